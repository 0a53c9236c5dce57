#pragma once
// PortalStream: one TCP connection carried through a portal — the asio shell around StreamFlow.
//
// The same class serves both ends. It is a worker at a fresh local address ("portal-…"); the peer stream's
// route is learned from the Open (outlet side) or the Accept (inlet side). Two coroutines, each running only
// while it has work, so an idle stream holds no coroutine frame (a readability wait and a timer, no more):
//   reader - reads the socket only while the peer has granted credit (never more than our own window, whatever
//            the peer announced), at most kMaxDataBytes at a time, straight into the Data payload. It waits for
//            the socket to be readable before it takes a buffer (from wire/buffer_pool.hpp), so an idle stream
//            holds none. End of file becomes Shutdown.
//   writer - writes received Data to the socket in order and returns the credit; the peer's Shutdown becomes
//            shutdown(SHUT_WR) once everything before it is written.
// One timer serves the keepalive (Ping when quiet, reset when the peer is silent) and, once closed, the linger.
// Incoming messages are handled without waiting (they are queued for the writer; credit bounds the queue), so a
// slow socket never stalls the link that carries other streams. A Reset, a socket error or a peer breaking the
// credit rules ends the stream with a log line saying why.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "metrics/metrics.hpp"
#include "portal/stream_flow.hpp"
#include "transport/byte_stream.hpp"
#include "transport/liveness.hpp"
#include "routing/router.hpp"

namespace portico::portal {

struct PortalOptions {
  std::uint32_t window = 512 * 1024;  // bytes a stream may have in flight per direction
  std::chrono::milliseconds open_timeout{10000};
  // A stream quiet this long sends Ping; one that hears nothing from its peer for `peer_dead_after` is reset.
  std::chrono::milliseconds keepalive_interval{10000};
  std::chrono::milliseconds peer_dead_after{35000};
  // Where the stream adds the bytes it carries and counts itself open (metrics); none: not counted.
  std::shared_ptr<metrics::Counters> counters{};
  // This portal's own byte counts (a node with several portals shows each); none: not counted apart.
  std::shared_ptr<metrics::PortalBytes> bytes{};
};

class PortalStream final : public Worker, public std::enable_shared_from_this<PortalStream> {
 public:
  static constexpr std::chrono::seconds kLingerTime{2};

  // Called once when the stream is over; `reason` is empty after a clean close in both directions.
  using OnClosed = std::function<void(const PortalStream&, const std::string& reason)>;

  PortalStream(std::unique_ptr<ByteStream> stream, Router& router, const PortalOptions& options, std::string label);
  PortalStream(asio::ip::tcp::socket socket, Router& router, const PortalOptions& options, std::string label);

  const Address& address() const { return address_; }
  asio::any_io_executor executor() { return stream_->executor(); }
  const std::string& label() const { return label_; }
  bool opening() const { return state_ == State::opening; }
  // Where this stream's messages go first (its peer route's first hop), once open; empty before.
  const Route& peer_route() const { return peer_route_; }
  void on_closed(OnClosed callback) { on_closed_ = std::move(callback); }
  // Called once when the stream opens (inlet side: the Accept arrived).
  void on_opened(std::function<void()> callback) { on_opened_ = std::move(callback); }

  // Registers the worker. Inlet side: then sends Open along `outlet_route` and waits for Accept or Reset, which
  // must come from `peer` (the identity of the channel the route goes through; "" over plain links).
  void register_worker();
  asio::awaitable<void> send_open(Route outlet_route, std::string peer = {});
  // Outlet side: the target is connected; answers `open` with Accept and starts carrying data.
  asio::awaitable<void> accept(const Message& open, std::uint32_t peer_window);

  asio::awaitable<void> handle_message(Message message) override;

  // Ends the stream now: closes the socket, tells the peer (when known and `tell_peer`), logs `reason`.
  void reset(const std::string& reason, bool tell_peer = true);

 private:
  enum class State { opening, open, closed };

  // Open for data: learns the peer's route and window; `then_run` starts the loops (the outlet side sends its
  // Accept first, then run()).
  void start(const Message& from_peer, std::uint32_t peer_window, bool then_run);
  void run();
  void start_reading();
  void start_writing();
  void arm_keepalive();
  void on_keepalive();
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  // control_lane: the message may pass queued Data (Message::control_lane): Credit, Ping, Reset.
  asio::awaitable<void> send_to_peer(Bytes payload, bool control_lane = false);
  void maybe_finish();
  void close(const std::string& reason);

  std::unique_ptr<ByteStream> stream_;  // the carried connection: a TCP socket, or an in-memory one in tests
  Router& router_;
  Address address_;
  std::string label_;
  StreamFlow flow_;
  Liveness liveness_;
  State state_ = State::opening;
  Route peer_route_;
  // Who the peer stream is: the verified identity of the channel its Open came through (outlet side), or the
  // one the inlet sent its Open to ("" over a plain link). Messages from anyone else are dropped: knowing a
  // stream's address is not enough to feed, accept or reset it.
  std::optional<std::string> peer_;
  std::deque<Bytes> to_write_;  // Data payloads (type byte first); bounded by the credit we granted
  bool reading_ = false;  // the reader runs, or waits for readability
  bool writing_ = false;  // the writer runs
  asio::steady_timer timer_;  // keepalive while open, linger once closed
  OnClosed on_closed_;
  std::function<void()> on_opened_;
  std::shared_ptr<metrics::Counters> counters_;
  std::shared_ptr<metrics::PortalBytes> bytes_;
};

}  // namespace portico::portal
