#pragma once
// PortalInlet: each accepted TCP connection becomes a PortalStream to the outlet at `outlet_route`
// (typically [hub link, "forward_to_<name>", "outlet"]). A stream the outlet does not answer within
// kOpenTimeout is closed with a log line; so is one the outlet refuses.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio/ip/tcp.hpp>

#include "portal/portal_stream.hpp"
#include "portal/stream_set.hpp"
#include "routing/router.hpp"

namespace portico::portal {

// Where streams go when the route is not fixed: the agent's inlet opens an end-to-end secure channel first.
struct OutletRoutes {
  struct Answer {
    Route route;          // to the outlet worker; empty when `failure` says why there is none
    std::string failure;
  };
  std::function<asio::awaitable<Answer>()> get;
  // A stream got no answer along a route `get` gave: the next stream should not trust that route.
  std::function<void(const std::string& why)> failed;
};

class PortalInlet {
 public:
  PortalInlet(Router& router, Route outlet_route, std::string outlet_name, PortalOptions options = {});

  // Accept loop on `acceptor` until stop_accepting() or the acceptor fails.
  asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor);
  void adopt(asio::ip::tcp::socket socket);

  // From now on each stream asks `routes` for its route instead of using the fixed one.
  void set_routes(OutletRoutes routes) { routes_ = std::move(routes); }

  void stop_accepting();
  // Resets every open stream; `tell_peer` is false when the path to the peers is known to be gone.
  void reset_all(const std::string& reason, bool tell_peer = true) { streams_.reset_all(reason, tell_peer); }
  std::size_t open_streams() const { return streams_.size(); }
  std::uint64_t streams_started() const { return next_id_ - 1; }

 private:
  asio::awaitable<void> open_stream(std::shared_ptr<PortalStream> stream);

  Router& router_;
  Route outlet_route_;
  OutletRoutes routes_;
  std::string outlet_name_;
  PortalOptions options_;
  StreamSet streams_;
  asio::ip::tcp::acceptor* acceptor_ = nullptr;
  std::uint64_t next_id_ = 1;
};

}  // namespace portico::portal
