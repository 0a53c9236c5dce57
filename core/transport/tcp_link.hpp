#pragma once
// TcpLink: one peer node as seen from this node. It is a worker at a local address ("tcp-in-…" for accepted
// connections, "tcp-out-…" for ones we dial) with a bounded send queue, carried by one socket session at a time.
//
// A session runs three coroutines, and whichever ends first ends the others:
//   reader   - frames in, return route prefixed with this link's address, handed to the router (awaited: a
//              full next hop pauses reading, which is our backpressure)
//   writer   - the queue out, several small messages batched into one write
//   watchdog - heartbeats when we are quiet, and the dead-peer verdict when the peer is (transport/liveness.hpp)
// For dialled links the queue outlives sessions, so what was queued while the link was down goes out on
// reconnect; producers wait while the queue is full.
//
// Thread safety: none; used from the node's single io_context thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/experimental/channel.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "routing/hub_path.hpp"
#include "routing/router.hpp"
#include "transport/backoff.hpp"
#include "transport/liveness.hpp"

namespace portico {

struct TcpOptions {
  std::chrono::milliseconds heartbeat_interval{2000};
  std::chrono::milliseconds dead_after{6000};
  std::chrono::milliseconds connect_timeout{5000};
  std::size_t send_queue_messages = 64;
  BackoffOptions backoff{};
};

class TcpLink final : public Worker, public HubPath, public std::enable_shared_from_this<TcpLink> {
 public:

  TcpLink(asio::any_io_executor executor, Router& router, Address address, std::string peer, TcpOptions options);

  const Address& address() const { return address_; }
  const std::string& peer() const { return peer_; }
  bool up() const override { return socket_ != nullptr; }
  bool closed() const { return closed_; }
  asio::any_io_executor executor() override { return pause_timer_.get_executor(); }
  // Adds an observer called on every link up and down.
  void on_state_change(StateObserver observer) override { observers_.push_back(std::move(observer)); }
  // [this link, worker]: the worker at `worker` on the peer node.
  Route route_to(std::string_view worker) const override { return Route{address_, Address::local(std::string(worker))}; }

  // Worker: pops this link's address and queues the rest for the peer.
  asio::awaitable<void> handle_message(Message message) override;
  // Queues a message for the peer as it is, waiting while the queue is full.
  asio::awaitable<std::error_code> enqueue(Message message);

  // Carries the queue over `socket` until the peer leaves, the link fails or close() is called; returns why.
  asio::awaitable<std::error_code> run_session(asio::ip::tcp::socket socket);
  // Waits `delay`, or less if close() is called.
  asio::awaitable<void> pause_for(std::chrono::milliseconds delay);
  // Ends the session, wakes every waiting producer with an error and refuses new messages.
  void close();

 private:
  asio::awaitable<std::error_code> read_loop(asio::ip::tcp::socket& socket, Liveness& liveness);
  asio::awaitable<std::error_code> write_loop(asio::ip::tcp::socket& socket, Liveness& liveness);
  asio::awaitable<std::error_code> watchdog(Liveness& liveness);
  void set_up(asio::ip::tcp::socket* socket);

  Router& router_;
  Address address_;
  std::string peer_;
  TcpOptions options_;
  asio::experimental::channel<void(asio::error_code, Message)> queue_;
  asio::steady_timer pause_timer_;
  asio::ip::tcp::socket* socket_ = nullptr;
  std::vector<StateObserver> observers_;
  bool closed_ = false;
};

}  // namespace portico
