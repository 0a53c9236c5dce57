#pragma once
// StreamFlow: the credit and half-close bookkeeping of one portal stream, as a plain class (no I/O, no clock).
//
// Sending: we may send at most `send_credit()` more Data bytes; the peer's Open/Accept sets the first credit and
// its Credit messages add to it.
// Receiving: we granted the peer `window` bytes. Data arriving beyond what we granted is a protocol violation.
// As our socket takes the bytes we return them as credit, batched until a quarter of the window is owed, so a
// bulk stream sends one Credit per ~window/4 and an interactive one is never starved.
// Half-close: each direction ends on its own (Shutdown); the stream is finished when both have ended and every
// received byte has been written.

#include <cstddef>
#include <cstdint>

namespace portico::portal {

class StreamFlow {
 public:
  explicit StreamFlow(std::uint32_t window) : window_(window), granted_(window) {}

  std::uint32_t window() const { return window_; }

  // -- sending side
  void set_initial_credit(std::uint32_t bytes) { send_credit_ = peer_window_ = bytes; }
  std::size_t send_credit() const { return send_credit_; }
  void on_sent(std::size_t bytes) { send_credit_ -= bytes <= send_credit_ ? bytes : send_credit_; }
  // False when the peer's credit would exceed the window it announced (its accounting is broken).
  bool on_credit(std::uint32_t bytes);

  // -- receiving side
  // False when the peer sent more than we granted.
  bool on_data(std::size_t bytes);
  // Bytes written to our socket; returns the credit to send now (0: keep batching).
  std::uint32_t on_written(std::size_t bytes);
  std::size_t unwritten() const { return unwritten_; }

  // -- half-close
  void on_local_eof() { local_eof_ = true; }
  void on_peer_eof() { peer_eof_ = true; }
  bool local_eof() const { return local_eof_; }
  bool peer_eof() const { return peer_eof_; }
  // Our socket's write side may be shut down: the peer ended and everything it sent is written.
  bool ready_to_shutdown_write() const { return peer_eof_ && unwritten_ == 0; }
  bool finished() const { return local_eof_ && ready_to_shutdown_write(); }

 private:
  std::uint32_t window_;
  std::size_t send_credit_ = 0;
  std::size_t peer_window_ = 0;
  std::size_t granted_;    // bytes the peer may still send us
  std::size_t unwritten_ = 0;  // received, not yet written to our socket
  std::size_t owed_ = 0;   // written, not yet returned as credit
  bool local_eof_ = false;
  bool peer_eof_ = false;
};

}  // namespace portico::portal
