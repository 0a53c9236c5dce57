#pragma once
// TcpLink: one peer node as seen from this node. It is a worker at a local address ("tcp-in-…" for accepted
// connections, "tcp-out-…" for ones we dial) with a bounded send queue, carried by one session at a time over a
// ByteStream (a TCP socket, or an in-memory pair in tests).
//
// A session runs three coroutines, and whichever ends first ends the others:
//   reader   - frames in, return route prefixed with this link's address, handed to the router. Delivery never
//              waits: every worker takes a message at once or refuses it, so this reader never waits on a queue
//              that another peer drains.
//   writer   - the queue out: several messages gathered into one write, each payload sent from where it is
//   watchdog - heartbeats when we are quiet, the dead-peer verdict when the peer is (transport/liveness.hpp), and
//              the slow-consumer verdict when the queue holds data the peer has not taken for `dead_after`
// enqueue() never waits either (transport/send_queue.hpp): a full queue refuses the message, and since portal
// data is bounded by credit upstream, a full queue means a peer that is not reading: its session is closed
// ("slow consumer"), which frees the queue and resets only the streams carried over it.
// For dialled links the queue outlives sessions, so what was queued while the link was down goes out on
// reconnect.
//
// Thread safety: none; used from the node's single io_context thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "routing/hub_path.hpp"
#include "routing/router.hpp"
#include "transport/backoff.hpp"
#include "transport/byte_stream.hpp"
#include "transport/liveness.hpp"
#include "transport/send_queue.hpp"
#include "util/notify.hpp"

namespace portico {

struct TcpOptions {
  std::chrono::milliseconds heartbeat_interval{2000};
  std::chrono::milliseconds dead_after{6000};
  std::chrono::milliseconds connect_timeout{5000};
  // What may wait in the send queue, in bytes (payloads plus SendQueue::kPerMessageBytes each). Credit bounds
  // what honest streams have in flight (512 KiB each by default), so this is room for ~128 busy streams to
  // one peer; a peer that lets more pile up is not reading and is disconnected.
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
  BackoffOptions backoff{};
};

class TcpLink final : public Worker, public HubPath, public std::enable_shared_from_this<TcpLink> {
 public:

  TcpLink(asio::any_io_executor executor, Router& router, Address address, std::string peer, TcpOptions options);

  const Address& address() const { return address_; }
  const std::string& peer() const { return peer_; }
  bool up() const override { return stream_ != nullptr; }
  bool closed() const { return closed_; }
  asio::any_io_executor executor() override { return pause_timer_.get_executor(); }
  // Adds an observer called on every link up and down.
  void on_state_change(StateObserver observer) override { observers_.push_back(std::move(observer)); }
  // [this link, worker]: the worker at `worker` on the peer node.
  Route route_to(std::string_view worker) const override { return Route{address_, Address::local(std::string(worker))}; }

  // Worker: pops this link's address and queues the rest for the peer (never waits).
  asio::awaitable<void> handle_message(Message message) override;
  // Queues a message for the peer as it is, or refuses it at once: link_closed after close(), queue_full when
  // the peer lets more than max_queued_bytes pile up (the session is then closed as a slow consumer).
  std::error_code enqueue(Message message);
  std::size_t queued_bytes() const { return queue_.bytes(); }

  // Carries the queue over `stream` until the peer leaves, the link fails or close() is called; returns why.
  asio::awaitable<std::error_code> run_session(std::unique_ptr<ByteStream> stream);
  asio::awaitable<std::error_code> run_session(asio::ip::tcp::socket socket);
  // Waits `delay`, or less if close() is called.
  asio::awaitable<void> pause_for(std::chrono::milliseconds delay);
  // Ends the session, wakes every waiting producer with an error and refuses new messages.
  void close();
  // Closes once everything queued so far has been written (or at close(), whichever comes first), then calls
  // `closed`; what is enqueued meanwhile is sent too. A peer that never reads is bounded by whoever calls close()
  // later (TcpTransport::stop's flush time).
  void close_when_sent(std::function<void()> closed);

 private:
  asio::awaitable<std::error_code> read_loop(ByteStream& stream, Liveness& liveness);
  asio::awaitable<std::error_code> write_loop(ByteStream& stream, Liveness& liveness);
  asio::awaitable<std::error_code> watchdog(Liveness& liveness);
  void set_up(ByteStream* stream);
  // Ends the current session (the link stays, a dialled one reconnects) and drops what was queued.
  void end_session(std::error_code why);
  void log_refusal(const Message& message, std::error_code ec);

  Router& router_;
  Address address_;
  std::string peer_;
  TcpOptions options_;
  SendQueue queue_;
  Notify queued_;  // wakes the writer
  asio::steady_timer pause_timer_;
  ByteStream* stream_ = nullptr;  // the current session's
  std::error_code session_end_;  // why end_session() ended the current session
  // The writer's progress, for the slow-consumer verdict: when the queue last went from empty to not empty, or
  // the writer last finished a write.
  Liveness::Clock::time_point last_progress_{};
  // Refusals are logged at most once a second per link, with a count of the ones not logged.
  Liveness::Clock::time_point last_refusal_log_{};
  std::uint64_t refusals_not_logged_ = 0;
  std::vector<StateObserver> observers_;
  bool closed_ = false;
  bool close_when_sent_ = false;
  bool writing_ = false;  // a batch taken off the queue is being written
  std::function<void()> on_close_;
};

}  // namespace portico
