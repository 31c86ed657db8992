// The ILP/HTTP sink's response parser and JSON readers: what QuestDB and InfluxDB
// send is read, byte by byte as well as at once; everything else is refused.
#include <gtest/gtest.h>

#include <string>

#include "io/http/http_json.hpp"
#include "io/http/http_response_parser.hpp"

namespace kilp::io {
namespace {

struct Parsed {
  HttpParseState state;
  std::size_t consumed;
};

// Feeds `text` at once, or one byte per call.
Parsed parse(HttpResponseParser& parser, std::string_view text, bool byte_by_byte) {
  parser.reset();
  std::size_t total = 0;
  HttpParseState state = HttpParseState::need_more;
  if (!byte_by_byte) {
    state = parser.feed(text, total);
    return {state, total};
  }
  while (total < text.size() && state == HttpParseState::need_more) {
    std::size_t used = 0;
    state = parser.feed(text.substr(total, 1), used);
    total += used;
  }
  return {state, total};
}

class HttpResponseParserTest : public ::testing::TestWithParam<bool> {};

TEST_P(HttpResponseParserTest, QuestDbNoContent) {
  HttpResponseParser parser;
  const std::string text = "HTTP/1.1 204 No Content\r\nServer: questDB/1.0\r\n\r\n";
  const Parsed p = parse(parser, text, GetParam());
  EXPECT_EQ(p.state, HttpParseState::complete);
  EXPECT_EQ(p.consumed, text.size());
  EXPECT_EQ(parser.status(), 204);
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_TRUE(parser.body().empty());
}

TEST_P(HttpResponseParserTest, ContentLengthBodyAndTrailingBytesLeftAlone) {
  HttpResponseParser parser;
  const std::string response =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n"
      "content-length: 11\r\n\r\n{\"line\":3}\n";
  const Parsed p = parse(parser, response + "HTTP/1.1 204", GetParam());
  EXPECT_EQ(p.state, HttpParseState::complete);
  EXPECT_EQ(p.consumed, response.size());
  EXPECT_EQ(parser.status(), 400);
  EXPECT_EQ(parser.body(), "{\"line\":3}\n");
  EXPECT_EQ(parser.content_type(), "application/json; charset=utf-8");
}

TEST_P(HttpResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  HttpResponseParser parser;
  const std::string text =
      "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: yes\r\n\r\n";
  const Parsed p = parse(parser, text, GetParam());
  EXPECT_EQ(p.state, HttpParseState::complete);
  EXPECT_EQ(p.consumed, text.size());
  EXPECT_EQ(parser.status(), 500);
  EXPECT_EQ(parser.body(), "hello, world!!!");
}

TEST_P(HttpResponseParserTest, InterimResponsesAreSkipped) {
  HttpResponseParser parser;
  const Parsed p = parse(
      parser, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      GetParam());
  EXPECT_EQ(p.state, HttpParseState::complete);
  EXPECT_EQ(parser.status(), 200);
  EXPECT_EQ(parser.body(), "ok");
}

TEST_P(HttpResponseParserTest, ConnectionCloseAndHttp10) {
  HttpResponseParser parser;
  parse(parser, "HTTP/1.1 204 No Content\r\nConnection: keep-alive, close\r\n\r\n", GetParam());
  EXPECT_FALSE(parser.keep_alive());
  parse(parser, "HTTP/1.0 204 No Content\r\n\r\n", GetParam());
  EXPECT_FALSE(parser.keep_alive());
  parse(parser, "HTTP/1.0 204 No Content\r\nConnection: Keep-Alive\r\n\r\n", GetParam());
  EXPECT_TRUE(parser.keep_alive());
}

TEST_P(HttpResponseParserTest, BodyFramedByClose) {
  HttpResponseParser parser;
  const Parsed p = parse(parser, "HTTP/1.1 404 Not Found\r\n\r\nnot here", GetParam());
  EXPECT_EQ(p.state, HttpParseState::need_more);
  EXPECT_EQ(parser.finish_at_eof(), HttpParseState::complete);
  EXPECT_EQ(parser.body(), "not here");
  EXPECT_FALSE(parser.keep_alive());
}

INSTANTIATE_TEST_SUITE_P(AtOnceAndByteByByte, HttpResponseParserTest, ::testing::Bool());

TEST(HttpResponseParser, RefusesWhatAStrictReaderMust) {
  const char* bad[] = {
      "HTTP/1.1 204 No Content\n\n",                                     // bare LF
      "HTTP/1.1 204 No Content\r\r\n\r\n",                               // bare CR
      "HTTP/2 204\r\n\r\n",                                              // version
      "HTTP/1.1 20 x\r\n\r\n",                                           // 2-digit code
      "HTTP/1.1 2044 x\r\n\r\n",                                         // 4-digit code
      "HTTP/1.1 204 No\x01Content\r\n\r\n",                              // control byte
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",  // conflict
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",                      // obs-fold
      "HTTP/1.1 200 OK\r\nX : a\r\n\r\n",                                // space before ':'
      "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",     // chunk size
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",   // no CRLF after data
      "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",            // body on 204
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
  };
  HttpResponseParser parser;
  for (const char* text : bad) {
    parser.reset();
    std::size_t consumed = 0;
    EXPECT_EQ(parser.feed(text, consumed), HttpParseState::error) << text;
    EXPECT_FALSE(parser.error().empty());
  }
}

TEST(HttpResponseParser, TruncatedResponseIsAnErrorAtEof) {
  HttpResponseParser parser;
  std::size_t consumed = 0;
  parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", consumed);
  EXPECT_EQ(parser.finish_at_eof(), HttpParseState::error);
  parser.reset();
  EXPECT_EQ(parser.finish_at_eof(), HttpParseState::error);
  EXPECT_EQ(parser.error(), "connection closed before a response");
}

TEST(HttpResponseParser, LongBodiesAreCutButFullyConsumed) {
  HttpResponseParser parser(8);
  std::size_t consumed = 0;
  const std::string text = "HTTP/1.1 500 x\r\nContent-Length: 20\r\n\r\n01234567890123456789";
  EXPECT_EQ(parser.feed(text, consumed), HttpParseState::complete);
  EXPECT_EQ(consumed, text.size());
  EXPECT_EQ(parser.body(), "01234567");
  EXPECT_TRUE(parser.body_truncated());
  EXPECT_EQ(parser.body_bytes(), 20u);
}

TEST(HttpErrorBody, QuestDbErrorNamesTheLine) {
  HttpErrorBody e;
  parse_http_error_body(
      R"({"code":"invalid","message":"failed to parse line protocol:errors encountered on line(s):\nerror in line 3: table: trades, column: price; cast error","line":3,"errorId":"a1-2"})",
      e);
  EXPECT_EQ(e.code, "invalid");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.error_id, "a1-2");
  EXPECT_EQ(e.message,
            "failed to parse line protocol:errors encountered on line(s):\nerror in line 3: "
            "table: trades, column: price; cast error");
}

TEST(HttpErrorBody, InfluxDbErrorAndEscapes) {
  HttpErrorBody e;
  parse_http_error_body(R"( {"error":"partial write: \u00e9\ud83d\ude00 \"x\"","n":[1,{"a":null}]} )", e);
  EXPECT_EQ(e.message, "partial write: \xc3\xa9\xf0\x9f\x98\x80 \"x\"");
  EXPECT_EQ(e.line, 0);
}

TEST(HttpErrorBody, NonJsonBodyIsKeptAsText) {
  HttpErrorBody e;
  parse_http_error_body("Bad Gateway\r\n", e);
  EXPECT_EQ(e.message, "Bad Gateway");
  parse_http_error_body(R"({"message":"x","line":2)", e);  // truncated JSON
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(e.message, R"({"message":"x","line":2)");
  parse_http_error_body(R"({"message":"x","line":-4})", e);
  EXPECT_EQ(e.line, 0);
}

TEST(HttpSettings, ProtocolVersions) {
  EXPECT_EQ(parse_settings_protocol_versions(
                R"({"config":{"line.proto.support.versions":[1,2],"x":1}})"),
            (1u << 1) | (1u << 2));
  EXPECT_EQ(parse_settings_protocol_versions(R"({"release.type":"OSS"})"), 0u);
  EXPECT_EQ(parse_settings_protocol_versions(R"({"line.proto.support.versions" : [ 1 ]})"),
            1u << 1);
}

}  // namespace
}  // namespace kilp::io
