#include "wire/frame.hpp"

#include <algorithm>
#include <cstring>

#include "wire/message_codec.hpp"

namespace portico::wire {

Bytes preamble() {
  Bytes out(kPreambleMagic.begin(), kPreambleMagic.end());
  out.push_back(kTransportVersion);
  return out;
}

std::error_code append_frame_head(const Message& message, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + kFrameHeaderBytes);
  if (auto ec = encode_message_head(message, out)) {
    out.resize(start);
    return ec;
  }
  const std::size_t body = out.size() - start - kFrameHeaderBytes + message.payload.size();
  if (body > kMaxFrameBytes) {
    out.resize(start);
    return Error::frame_too_large;
  }
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    out[start + i] = static_cast<std::uint8_t>(body >> (8 * (kFrameHeaderBytes - 1 - i)));
  }
  return {};
}

std::error_code append_frame(const Message& message, Bytes& out) {
  if (auto ec = append_frame_head(message, out)) return ec;
  out.insert(out.end(), message.payload.begin(), message.payload.end());
  return {};
}

Bytes heartbeat_frame() {
  Bytes out;
  (void)append_frame(Message{}, out);  // cannot fail: empty routes and payload
  return out;
}

std::span<std::uint8_t> FrameDecoder::prepare() {
  if (begin_ > 0) {  // compact: keep only the unread tail
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() < end_ + kReadChunk) buffer_.resize(end_ + kReadChunk);
  return {buffer_.data() + end_, kReadChunk};
}

void FrameDecoder::commit(std::size_t n) { end_ += std::min(n, buffer_.size() - end_); }

Result<std::optional<ByteView>> FrameDecoder::next() {
  if (error_) return error_;
  const ByteView held{buffer_.data() + begin_, end_ - begin_};
  if (!preamble_seen_) {
    const std::size_t magic_seen = std::min(held.size(), kPreambleMagic.size());
    if (!std::equal(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(magic_seen), kPreambleMagic.begin())) {
      return error_ = Error::bad_preamble;
    }
    if (held.size() < kPreambleBytes) return std::optional<ByteView>{};
    if (held[kPreambleMagic.size()] != kTransportVersion) return error_ = Error::bad_transport_version;
    begin_ += kPreambleBytes;
    preamble_seen_ = true;
    return next();
  }
  ByteReader r(held);
  auto length = r.u32_be();
  if (!length) return std::optional<ByteView>{};
  if (*length == 0) return error_ = Error::frame_empty;
  if (*length > kMaxFrameBytes) return error_ = Error::frame_too_large;
  auto body = r.take(*length);
  if (!body) return std::optional<ByteView>{};
  begin_ += kFrameHeaderBytes + *length;
  return std::optional<ByteView>{*body};
}

}  // namespace portico::wire
