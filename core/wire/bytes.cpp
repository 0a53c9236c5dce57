#include "wire/bytes.hpp"

namespace portico::wire {

Result<std::uint8_t> ByteReader::u8() {
  if (remaining() < 1) return Error::truncated;
  return input_[pos_++];
}

Result<std::uint32_t> ByteReader::u32_be() {
  if (remaining() < 4) return Error::truncated;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | input_[pos_++];
  return v;
}

Result<std::uint32_t> ByteReader::varint() {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (remaining() < 1) return Error::truncated;
    const std::uint8_t byte = input_[pos_++];
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      // A last group of zero after the first byte means a shorter encoding existed.
      if (byte == 0 && i > 0) return Error::varint_overlong;
      if (value > UINT32_MAX) return Error::varint_overflow;
      return static_cast<std::uint32_t>(value);
    }
  }
  return Error::varint_overflow;
}

Result<std::string> ByteReader::text(std::size_t max_bytes, Error too_long) {
  auto len = varint();
  if (!len) return len.error();
  if (*len > max_bytes) return too_long;
  auto bytes = take(*len);
  if (!bytes) return bytes.error();
  return std::string(as_chars(*bytes));
}

Result<ByteView> ByteReader::take(std::size_t n) {
  if (remaining() < n) return Error::truncated;
  ByteView view = input_.subspan(pos_, n);
  pos_ += n;
  return view;
}

void ByteWriter::u32_be(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::varint(std::uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<std::uint8_t>(v));
}

std::size_t varint_size(std::uint32_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace portico::wire
