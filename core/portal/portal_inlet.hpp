#pragma once
// PortalInlet: each accepted TCP connection becomes a PortalStream to the outlet at `outlet_route`
// (typically [hub link, "forward_to_<name>", "outlet"]). A stream the outlet does not answer within
// kOpenTimeout is closed with a log line; so is one the outlet refuses.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio/ip/tcp.hpp>

#include "portal/portal_stream.hpp"
#include "portal/stream_set.hpp"
#include "routing/router.hpp"

namespace portico::portal {

class PortalInlet {
 public:
  PortalInlet(Router& router, Route outlet_route, std::string outlet_name, PortalOptions options = {});

  // Accept loop on `acceptor` until stop_accepting() or the acceptor fails.
  asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor);
  void adopt(asio::ip::tcp::socket socket);

  void stop_accepting();
  // Resets every open stream; `tell_peer` is false when the path to the peers is known to be gone.
  void reset_all(const std::string& reason, bool tell_peer = true) { streams_.reset_all(reason, tell_peer); }
  std::size_t open_streams() const { return streams_.size(); }
  std::uint64_t streams_started() const { return next_id_ - 1; }

 private:
  asio::awaitable<void> open_stream(std::shared_ptr<PortalStream> stream);

  Router& router_;
  Route outlet_route_;
  std::string outlet_name_;
  PortalOptions options_;
  StreamSet streams_;
  asio::ip::tcp::acceptor* acceptor_ = nullptr;
  std::uint64_t next_id_ = 1;
};

}  // namespace portico::portal
