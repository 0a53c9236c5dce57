#pragma once
// PortalInlet: each accepted TCP connection becomes a PortalStream to the outlet at `outlet_route`
// (typically [hub link, "forward_to_<name>", "outlet"]). A stream the outlet does not answer within
// kOpenTimeout is closed with a log line; so is one the outlet refuses. When the route a stream was opened on
// is lost before the outlet answered (route_lost: its end-to-end channel closed), the stream is opened again
// on a new route, once; open streams on a lost route are reset.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "portal/portal_stream.hpp"
#include "portal/stream_set.hpp"
#include "routing/router.hpp"

namespace portico::portal {

// Where streams go when the route is not fixed: the agent's inlet opens an end-to-end secure channel first.
struct OutletRoutes {
  struct Answer {
    Route route;          // to the outlet worker; empty when `failure` says why there is none
    std::string failure;
    std::string peer;     // the verified identity the outlet answers through ("" over plain links)
  };
  std::function<asio::awaitable<Answer>()> get;
  // A stream got no answer along a route `get` gave to an Open sent at `sent_at`: unless the route has carried
  // anything since, the next stream should not trust it.
  std::function<void(const std::string& why, std::chrono::steady_clock::time_point sent_at)> failed;
};

class PortalInlet {
 public:
  PortalInlet(Router& router, Route outlet_route, std::string outlet_name, PortalOptions options = {});

  // Accept loop on `acceptor` until stop_accepting() or the acceptor fails.
  asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor);
  void adopt(asio::ip::tcp::socket socket);
  // A connection made in this process (a library's connect()): `on_answer` is called once, with "" when the
  // outlet accepted the stream, else with why it will not be.
  using OnAnswer = std::function<void(const std::string& failure)>;
  void adopt(std::unique_ptr<ByteStream> connection, OnAnswer on_answer);

  // From now on each stream asks `routes` for its route instead of using the fixed one.
  void set_routes(OutletRoutes routes) { routes_ = std::move(routes); }

  // The route whose first hop is `first_hop` is gone: streams waiting for the outlet's answer on it try again
  // on a new route, open ones are reset.
  void route_lost(const Address& first_hop, const std::string& why);

  void stop_accepting();
  // Resets every open stream; `tell_peer` is false when the path to the peers is known to be gone.
  void reset_all(const std::string& reason, bool tell_peer = true) { streams_.reset_all(reason, tell_peer); }
  std::size_t open_streams() const { return streams_.size(); }
  // Called each time the last open stream ends.
  void on_idle(std::function<void()> observer) { streams_.on_emptied(std::move(observer)); }
  std::uint64_t streams_started() const { return next_id_ - 1; }

 private:
  static constexpr int kOpenAttempts = 2;

  // A stream waiting for the outlet's Accept.
  struct Opening {
    explicit Opening(asio::any_io_executor executor) : answered(std::move(executor)) {}
    asio::steady_timer answered;  // runs out the open timeout; cancelled early when the route is lost
    Address first_hop;
    std::string lost;  // why the route went away while waiting; empty while it stands
  };

  asio::awaitable<void> open_stream(std::shared_ptr<PortalStream> stream, std::shared_ptr<OnAnswer> on_answer = {});
  asio::awaitable<void> open_until_answered(PortalStream& stream, Opening& opening);

  Router& router_;
  Route outlet_route_;
  OutletRoutes routes_;
  std::string outlet_name_;
  PortalOptions options_;
  StreamSet streams_;
  std::unordered_map<const PortalStream*, std::shared_ptr<Opening>> opening_;
  asio::ip::tcp::acceptor* acceptor_ = nullptr;
  std::uint64_t next_id_ = 1;
};

}  // namespace portico::portal
