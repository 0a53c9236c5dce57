#pragma once
// TcpTransport: the node's TCP links. It resolves "1#host:port" hops to a dialled link (one per peer, made on
// first use, reconnected forever with jittered exponential backoff) and runs sessions for accepted sockets.
// Listening sockets belong to the caller (main, or a test): serve() runs an accept loop on one.
//
// Thread safety: none; used from the node's single io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "routing/router.hpp"
#include "transport/connection_gate.hpp"
#include "transport/tcp_link.hpp"

namespace portico {

class TcpTransport final : public Transport {
 public:
  TcpTransport(asio::any_io_executor executor, Router& router, TcpOptions options = {});
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;
  ~TcpTransport() override;

  // Transport: pops the "1#host:port" hop and queues the message on the link to that peer.
  asio::awaitable<std::error_code> send(Message message) override;

  // The dialled link to "host:port" (created and started on first call), registered as a worker at its
  // address. Its state observer fires on every link up and down.
  std::shared_ptr<TcpLink> connect(const std::string& host_port);
  // Accept loop on `acceptor` until stop() or the acceptor fails. Connections over the ConnectionLimits are
  // closed at once (with a rate-limited log line naming the address); when accepting fails (out of descriptors:
  // EMFILE), it pauses from kAcceptPauseMin up to kAcceptPauseMax instead of spinning.
  static constexpr std::chrono::milliseconds kAcceptPauseMin{10};
  static constexpr std::chrono::milliseconds kAcceptPauseMax{1000};
  void set_connection_limits(ConnectionLimits limits) { gate_ = ConnectionGate(limits); }
  const ConnectionGate& connections() const { return gate_; }
  asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor);
  // Runs a session for an already-connected socket; its link lives as long as the socket.
  void adopt(asio::ip::tcp::socket socket);

  // Closes every link and acceptor; the coroutines finish soon after.
  void stop();
  // As stop(), but each link first sends what it has queued (the Resets of a shutdown), for at most `flush`;
  // `stopped` is called once every link has closed.
  void stop(std::chrono::milliseconds flush, std::function<void()> stopped);

  // Called with the address of each accepted link once it has closed (what was set up over it can go).
  void on_accepted_link_closed(std::function<void(const Address&)> observer) { on_closed_ = std::move(observer); }

 private:
  Address adopt_link(asio::ip::tcp::socket socket);
  asio::awaitable<void> keep_connected(std::shared_ptr<TcpLink> link);
  asio::awaitable<void> run_accepted(std::shared_ptr<TcpLink> link, asio::ip::tcp::socket socket);

  asio::any_io_executor executor_;
  Router& router_;
  TcpOptions options_;
  std::unordered_map<std::string, std::shared_ptr<TcpLink>> dialled_;
  std::unordered_map<std::string, std::shared_ptr<TcpLink>> accepted_;  // by link address
  std::vector<asio::ip::tcp::acceptor*> acceptors_;
  std::function<void(const Address&)> on_closed_;
  ConnectionGate gate_;
  std::unordered_map<std::string, std::string> gated_;  // accepted link address -> source address it counts for
  bool stopped_ = false;
  std::unique_ptr<asio::steady_timer> flush_timer_;
  std::function<void()> on_stopped_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with this transport
};

}  // namespace portico
