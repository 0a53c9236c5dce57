#pragma once
// TCP framing (docs/protocol.md, "TCP transport"):
//
//   connection = preamble frame*          (each direction)
//   preamble   = "PRTC" version:u8 (=1)
//   frame      = length:u32be (1..kMaxFrameBytes)  body (one routing message)
//
// A frame whose message has an empty onward route is a heartbeat: it proves the peer is alive and is dropped.
// FrameDecoder is the receive side as a plain class: bytes in, frame bodies or a (sticky) error out.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "routing/message.hpp"
#include "wire/bytes.hpp"

namespace portico::wire {

inline constexpr std::array<std::uint8_t, 4> kPreambleMagic{'P', 'R', 'T', 'C'};
inline constexpr std::uint8_t kTransportVersion = 1;
inline constexpr std::size_t kPreambleBytes = kPreambleMagic.size() + 1;
inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kMaxFrameBytes = 256 * 1024;

Bytes preamble();
// Appends one frame carrying `message` to `out`; on error `out` is unchanged.
std::error_code append_frame(const Message& message, Bytes& out);
// Appends one frame's length and its message up to (not including) the payload bytes, which the caller writes
// right after it from where they are (a gathered write); on error `out` is unchanged.
std::error_code append_frame_head(const Message& message, Bytes& out);
// The encoded heartbeat message (version 1, two empty routes, empty payload).
Bytes heartbeat_frame();
inline bool is_heartbeat(const Message& m) { return m.onward.empty(); }

class FrameDecoder {
 public:
  static constexpr std::size_t kReadChunk = 64 * 1024;

  // Room for up to kReadChunk more bytes; fill some of it, then commit() what was filled.
  std::span<std::uint8_t> prepare();
  void commit(std::size_t n);

  // The next complete frame body (valid until the next prepare()), nothing when more bytes are needed, or the
  // error that makes this connection unusable (it stays set).
  Result<std::optional<ByteView>> next();

  // Bytes held but not yet returned; bounded by kPreambleBytes + kFrameHeaderBytes + kMaxFrameBytes + kReadChunk.
  std::size_t buffered() const { return end_ - begin_; }

 private:
  Bytes buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool preamble_seen_ = false;
  std::error_code error_;
};

}  // namespace portico::wire
