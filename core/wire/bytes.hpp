#pragma once
// Byte buffers and the two cursors every codec uses: ByteReader (bounds-checked reads from a span) and
// ByteWriter (appends to a vector). Varints are unsigned LEB128, at most 32 bits, minimally encoded.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/errors.hpp"
#include "wire/result.hpp"

namespace portico {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: byte view of chars
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: char view of bytes
}

namespace wire {

inline constexpr std::size_t kMaxVarintBytes = 5;  // 5 x 7 bits covers 32 bits

class ByteReader {
 public:
  explicit ByteReader(ByteView input) : input_(input) {}

  Result<std::uint8_t> u8();
  Result<std::uint32_t> u32_be();
  Result<std::uint32_t> varint();
  // A length-prefixed string (varint length, then bytes); a length over `max_bytes` is `too_long`.
  Result<std::string> text(std::size_t max_bytes, Error too_long = Error::payload_too_large);
  // A view of the next n bytes (valid as long as the input is).
  Result<ByteView> take(std::size_t n);

  std::size_t remaining() const { return input_.size() - pos_; }
  bool at_end() const { return pos_ == input_.size(); }

 private:
  ByteView input_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32_be(std::uint32_t v);
  void varint(std::uint32_t v);
  void raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void text(std::string_view s) {
    varint(static_cast<std::uint32_t>(s.size()));
    raw(as_bytes(s));
  }

 private:
  Bytes& out_;
};

std::size_t varint_size(std::uint32_t v);

}  // namespace wire
}  // namespace portico
