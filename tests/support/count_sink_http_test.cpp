// ilp_count_sink --http's request reader (perf/http_request_stream.hpp): what kilp's
// ILP/HTTP sink sends is counted and answered in order, whatever the read sizes;
// what it cannot parse is refused with 400 and ends the connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "perf/http_request_stream.hpp"

namespace kilp::perf {
namespace {

std::string post(std::string_view body, std::string_view extra_headers = "") {
  return "POST /write?precision=n HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUser-Agent: kilp\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

struct Fed {
  bool open;
  std::string responses;
  HttpCounts counts;
};

Fed feed_in_pieces(const std::string& bytes, std::size_t piece) {
  HttpRequestStream stream;
  Fed fed{true, {}, {}};
  for (std::size_t at = 0; at < bytes.size() && fed.open; at += piece) {
    fed.open = stream.feed(std::string_view(bytes).substr(at, piece), fed.responses, fed.counts);
  }
  return fed;
}

TEST(CountSinkHttp, PipelinedWritesAreCountedAndAnsweredInOrderWhateverTheReadSizes) {
  const std::string bytes = post("t,s=a v=1i 1\nt,s=b v=2i 2\n") + post("t v=3i 3\n") +
                            "GET /settings HTTP/1.1\r\nHost: x\r\n\r\n" + post("");
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, bytes.size()}) {
    const Fed fed = feed_in_pieces(bytes, piece);
    EXPECT_TRUE(fed.open) << piece;
    EXPECT_EQ(fed.counts.rows, 3u) << piece;
    EXPECT_EQ(fed.counts.body_bytes, 35u) << piece;
    EXPECT_EQ(fed.counts.requests, 4u) << piece;
    EXPECT_EQ(fed.counts.bad_requests, 0u) << piece;
    const std::size_t first = fed.responses.find("HTTP/1.1 204 No Content\r\n\r\n");
    const std::size_t second = fed.responses.find("HTTP/1.1 204 No Content\r\n\r\n", first + 1);
    const std::size_t settings = fed.responses.find("HTTP/1.1 200 OK\r\n");
    const std::size_t last = fed.responses.rfind("HTTP/1.1 204 No Content\r\n\r\n");
    EXPECT_TRUE(first == 0 && second != std::string::npos && second < settings && settings < last)
        << fed.responses;
  }
}

TEST(CountSinkHttp, SettingsListProtocolVersionsWithAMatchingContentLength) {
  const Fed fed = feed_in_pieces("GET /settings HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
  const std::size_t head_end = fed.responses.find("\r\n\r\n");
  const std::string body = fed.responses.substr(head_end + 4);
  EXPECT_NE(body.find(R"("line.proto.support.versions":[1])"), std::string::npos) << body;
  EXPECT_NE(fed.responses.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);
}

TEST(CountSinkHttp, UnknownPathsAre404AndTheirBodiesAreNotCounted) {
  const std::string bytes =
      "POST /exec HTTP/1.1\r\nContent-Length: 4\r\n\r\na\nb\n" + post("t v=1i 1\n");
  const Fed fed = feed_in_pieces(bytes, bytes.size());
  EXPECT_TRUE(fed.open);
  EXPECT_EQ(fed.counts.rows, 1u);
  EXPECT_EQ(fed.counts.bad_requests, 1u);
  EXPECT_EQ(fed.responses.find("HTTP/1.1 404 Not Found\r\n"), 0u);
  EXPECT_NE(fed.responses.find("HTTP/1.1 204 No Content\r\n"), std::string::npos);
}

TEST(CountSinkHttp, WhatItCannotParseIsRefusedWith400AndEndsTheConnection) {
  const std::string big_header = "X-Big: " + std::string(70 << 10, 'x') + "\r\n";
  for (const std::string& bad :
       {std::string("garbage\r\n\r\n"), std::string("GET /write HTTP/2\r\n\r\n"),
        std::string("POST /write HTTP/1.1\r\nHost: x\r\n\r\nt v=1i\n"),
        post("t v=1i\n", "Transfer-Encoding: chunked\r\n"),
        post("t v=1i\n", "Content-Length: 99\r\n"), post("t v=1i\n", "no colon here\r\n"),
        post("t v=1i\n", big_header)}) {
    HttpRequestStream stream;
    std::string responses;
    HttpCounts counts;
    const bool open = stream.feed(bad + post("t v=2i\n"), responses, counts);
    EXPECT_FALSE(open) << bad.substr(0, 60);
    EXPECT_EQ(responses.find("HTTP/1.1 400 Bad Request\r\n"), 0u) << bad.substr(0, 60);
    EXPECT_EQ(responses.find("HTTP/1.1 204"), std::string::npos) << "nothing after the refusal";
    EXPECT_EQ(counts.rows, 0u) << bad.substr(0, 60);
    EXPECT_EQ(counts.bad_requests, 1u);
    EXPECT_FALSE(stream.last_error().empty());
  }
}

TEST(CountSinkHttp, ConnectionCloseAndHttp10EndTheConnectionAfterTheAnswer) {
  for (const std::string& last :
       {post("t v=1i\n", "Connection: close\r\n"),
        std::string("POST /write HTTP/1.0\r\nContent-Length: 7\r\n\r\nt v=1i\n")}) {
    const Fed fed = feed_in_pieces(last + post("t v=2i\n"), 1000);
    EXPECT_FALSE(fed.open);
    EXPECT_EQ(fed.counts.rows, 1u);
    EXPECT_EQ(fed.responses, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  }
}

TEST(CountSinkHttp, MutatedRequestsNeverCrashAndEveryRequestGetsOneAnswer) {
  const std::string valid = post("t,s=a v=1i 1\n") + "GET /settings HTTP/1.1\r\n\r\n" + post("x\n");
  std::uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (int round = 0; round < 5000; ++round) {
    std::string bytes = valid;
    for (int flips = 1 + static_cast<int>(next() % 4); flips > 0; --flips) {
      bytes[next() % bytes.size()] = static_cast<char>(next() >> 24);
    }
    const Fed fed = feed_in_pieces(bytes, 1 + next() % 64);
    std::size_t answers = 0;
    for (std::size_t at = fed.responses.find("HTTP/1.1 "); at != std::string::npos;
         at = fed.responses.find("HTTP/1.1 ", at + 1)) {
      ++answers;
    }
    EXPECT_EQ(answers, fed.counts.requests) << bytes;
    EXPECT_LE(fed.counts.requests, 3u) << bytes;
    EXPECT_LE(fed.counts.rows,
              static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')));
    if (!fed.open) {
      EXPECT_NE(fed.responses.find("Connection: close"), std::string::npos) << bytes;
    }
  }
}

}  // namespace
}  // namespace kilp::perf
