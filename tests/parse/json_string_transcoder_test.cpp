// The one-pass JSON string → ILP text transcoder must write exactly what simdjson's
// unescaping followed by the ILP escaping writes, and step aside (writing nothing)
// for what it does not decode.
#include "parse/json_string_transcoder.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "parse/ilp_values.hpp"

namespace kilp::parse {
namespace {

namespace ondemand = simdjson::ondemand;

struct Transcoded {
  bool done = false;
  std::string text;
};

// The transcoder with each block it can run: the word everywhere, SSE2's on x86-64.
using transcoder_detail::WordBlock;
enum class BlockKind { kWord, kDefault };
constexpr BlockKind kBlockKinds[] = {BlockKind::kWord, BlockKind::kDefault};

template <typename Block>
char* transcode_with(IlpTextKind kind, std::string_view token, char* out) {
  return kind == IlpTextKind::kSymbolValue
             ? transcode_json_string<IlpTextKind::kSymbolValue, Block>(token.data() + 1,
                                                                       token.size(), out)
             : transcode_json_string<IlpTextKind::kStringContent, Block>(token.data() + 1,
                                                                         token.size(), out);
}

// `json_content` is the JSON text between the quotes of a string value; `room`, when
// set, is the room the output has.
Transcoded transcode(BlockKind block, IlpTextKind kind, const std::string& json_content,
                     std::size_t room = 0) {
  const simdjson::padded_string json("{\"v\":\"" + json_content + "\",\"w\":1}");
  ondemand::parser parser;
  ondemand::document doc = parser.iterate(json);
  ondemand::value value = doc["v"];
  const std::string_view token = value.raw_json_token();
  const std::size_t needed = block == BlockKind::kWord
                                 ? transcoded_bytes_at_most<WordBlock>(token.size())
                                 : transcoded_bytes_at_most(token.size());
  if (room == 0) room = needed;
  if (room < needed) return {};   // what callers check
  std::string out(room, '\xAA');  // exactly `room`: ASan sees a write past it
  char* const end = block == BlockKind::kWord
                        ? transcode_with<WordBlock>(kind, token, out.data())
                        : transcode_with<transcoder_detail::DefaultBlock>(kind, token, out.data());
  if (end == nullptr) return {};
  return {true, std::string(out.data(), end)};
}

// What the encoder wrote before: simdjson's unescaped string, then ILP's escaping.
std::string reference(IlpTextKind kind, const std::string& json_content) {
  const simdjson::padded_string json("{\"v\":\"" + json_content + "\"}");
  ondemand::parser parser;
  ondemand::document doc = parser.iterate(json);
  std::string_view text;
  EXPECT_EQ(doc["v"].get_string().get(text), simdjson::SUCCESS) << json_content;
  std::string out(4 * text.size() + 8, '\0');
  IlpByteWriter writer(out.data(), out.data() + out.size());
  if (kind == IlpTextKind::kSymbolValue) {
    append_symbol_value(writer, text);
    return std::string(out.data(), writer.pos);
  }
  append_string_value(writer, text);  // quoted: drop the quotes
  return std::string(out.data() + 1, writer.pos - 1);
}

void expect_same_as_simdjson(const std::string& json_content) {
  for (BlockKind block : kBlockKinds) {
    for (IlpTextKind kind : {IlpTextKind::kSymbolValue, IlpTextKind::kStringContent}) {
      const Transcoded got = transcode(block, kind, json_content);
      const bool decodable = json_content.find("\\u") == std::string::npos;
      EXPECT_EQ(got.done, decodable) << json_content;
      if (got.done) {
        EXPECT_EQ(got.text, reference(kind, json_content)) << json_content;
      }
    }
  }
}

TEST(JsonStringTranscoder, WritesWhatUnescapingThenEscapingWrites) {
  for (const char* content :
       {"", "a", "BTC-USD", "a b,c=d", "say \\\"hi\\\"\\n\\\\ then, = go", "C:\\\\dir\\\\file name",
        "\\/\\b\\f\\n\\r\\t", "exactly8", "sixteen bytes!!!", "      ", ",,,,,,,,,",
        "==", "\\\\\\\\\\\\\\\\\\\\", "\\\"", "caf\xC3\xA9 cr\xC3\xA8me",
        "\xE2\x82\xAC,\xF0\x9F\x98\x80", "a\\tb c\\rd", "x\\u00e9y", "\\ud83d\\ude00"}) {
    expect_same_as_simdjson(content);
  }
}

TEST(JsonStringTranscoder, RandomStringsMatchSimdjson) {
  const std::vector<std::string> pieces = {
      "a",   "Z",   "7", " ", ",", "=", "\\\"",     "\\\\",         "\\/", "\\b",     "\\f", "\\n",
      "\\r", "\\t", ":", "{", "}", "'", "\xC3\xA9", "\xE2\x82\xAC", "-",   "\\u0041", "xyz", "."};
  std::mt19937 random(12);
  for (int n = 0; n < 5000; ++n) {
    std::string content;
    const int length = static_cast<int>(random() % 40);
    for (int i = 0; i < length; ++i) {
      const std::string& piece = pieces[random() % pieces.size()];
      content += piece;
    }
    expect_same_as_simdjson(content);
  }
}

TEST(JsonStringTranscoder, WritesWithinTheRoomItAsksFor) {
  // The worst case, every byte escaped, in exactly the room asked for.
  for (const char* content :
       {"          ", "\\n\\n\\n\\n", ",=,=,=,=,=,=,=,=,=,=,=,=,=,=,=,=,=,="}) {
    for (BlockKind block : kBlockKinds) {
      EXPECT_TRUE(transcode(block, IlpTextKind::kSymbolValue, content).done) << content;
    }
  }
}

TEST(JsonStringTranscoder, StepsAsideForAnInvalidEscape) {
  // simdjson refuses "\q"; the transcoder leaves that to simdjson.
  const simdjson::padded_string json(std::string("{\"v\":\"a\\qb\"}"));
  ondemand::parser parser;
  ondemand::document doc = parser.iterate(json);
  ondemand::value value = doc["v"];
  const std::string_view token = value.raw_json_token();
  char out[64];
  for (IlpTextKind kind : {IlpTextKind::kSymbolValue, IlpTextKind::kStringContent}) {
    EXPECT_EQ(transcode_with<WordBlock>(kind, token, out), nullptr);
    EXPECT_EQ(transcode_with<transcoder_detail::DefaultBlock>(kind, token, out), nullptr);
  }
}

}  // namespace
}  // namespace kilp::parse
