#pragma once
// Shared by the ILP/HTTP sink tests: rows with their boundaries, as the shard
// submits them, and the request framing the scripted test servers read.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kilp::io::testing {

// Rows of buffer number `serial` (every byte differs between buffers); `ends`
// gets the end offset of each row.
inline std::string numbered_rows(std::size_t serial, std::size_t rows,
                                 std::vector<std::uint32_t>& ends) {
  std::string text;
  ends.clear();
  for (std::size_t r = 0; r < rows; ++r) {
    text += "t,b=" + std::to_string(serial) + " r=" + std::to_string(r) + "i\n";
    ends.push_back(static_cast<std::uint32_t>(text.size()));
  }
  return text;
}

// Moves the body of the first complete request (framed by Content-Length) off
// the front of `input` into `body`; false while the request is incomplete.
inline bool take_request_body(std::string& input, std::string& body) {
  const std::size_t head_end = input.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::size_t at = input.find("Content-Length: ");
  if (at == std::string::npos || at > head_end) throw std::runtime_error("no length");
  const std::size_t length = std::stoul(input.substr(at + 16));
  if (input.size() < head_end + 4 + length) return false;
  body = input.substr(head_end + 4, length);
  input.erase(0, head_end + 4 + length);
  return true;
}

}  // namespace kilp::io::testing
