#pragma once
// PortalOutlet: the worker at "outlet". Each Open starts a connection to the target; once connected, a
// PortalStream answers with Accept and carries the data. A target that refuses or does not answer within
// kConnectTimeout gets the Open a Reset saying why, and a log line here; other streams carry on. One peer (the
// verified identity its Opens come from) may have at most `max_streams_per_peer` streams open or opening
// (OCKAM_MAX_STREAMS_PER_PEER): more Opens are answered with a Reset at once, connect nothing, and cost one
// rate-limited log line naming the peer, so 2,000 Opens make at most that many target connections.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "portal/portal_inlet.hpp"
#include "portal/portal_messages.hpp"
#include "portal/portal_stream.hpp"
#include "portal/stream_set.hpp"
#include "transport/byte_stream.hpp"
#include "transport/endpoint.hpp"
#include "wire/result.hpp"

namespace portico::portal {

struct OutletLimits {
  std::size_t max_streams_per_peer = 256;
  // Attributes the credential of an Open's channel must carry (OCKAM_ALLOW; empty: any member). Checked per Open,
  // so outlets with different policies can share one node's end-to-end listener.
  std::map<std::string, std::string> allow{};
};

// Where an outlet's streams go instead of a TCP target: a connection made in this process (a library's service),
// given the verified identity of the peer that opens it; an error refuses the stream with its message.
using TargetConnector = std::function<asio::awaitable<Result<std::unique_ptr<ByteStream>>>(const std::string& peer)>;

class PortalOutlet final : public Worker, public std::enable_shared_from_this<PortalOutlet> {
 public:
  static constexpr std::chrono::seconds kConnectTimeout{5};

  PortalOutlet(asio::any_io_executor executor, Router& router, HostPort target, PortalOptions options = {},
               OutletLimits limits = {});
  // Registers the outlet worker at `relay`'s address (outlet_address_for), and at kOutletAddress when
  // `also_plain` (a node's only outlet: inlets of earlier releases address "outlet"). No relay: kOutletAddress.
  static std::shared_ptr<PortalOutlet> start(asio::any_io_executor executor, Router& router, HostPort target,
                                             PortalOptions options = {}, OutletLimits limits = {},
                                             const std::string& relay = {}, bool also_plain = true);

  asio::awaitable<void> handle_message(Message message) override;

  // From now on each stream goes to `connector` (described as `target` in log lines), not to the TCP target.
  void set_connector(TargetConnector connector, std::string target) {
    connector_ = std::move(connector);
    target_text_ = std::move(target);
  }

  void stop_accepting() { accepting_ = false; }
  // Resets every open stream; `tell_peer` is false when the path to the peers is known to be gone.
  void reset_all(const std::string& reason, bool tell_peer = true) { streams_.reset_all(reason, tell_peer); }
  // Resets the streams whose peer is reached through `first_hop` (a channel that closed).
  void reset_via(const Address& first_hop, const std::string& reason) { streams_.reset_via(first_hop, reason); }
  std::size_t open_streams() const { return streams_.size(); }
  // Called each time the last open stream ends.
  void on_idle(std::function<void()> observer) { streams_.on_emptied(std::move(observer)); }
  // Streams open or opening for `peer`.
  std::size_t streams_of(const std::string& peer) const;

 private:
  asio::awaitable<void> connect_and_accept(Message open, std::uint32_t peer_window, std::string peer);

  asio::any_io_executor executor_;
  Router& router_;
  HostPort target_;
  std::string target_text_ = target_.to_string();
  TargetConnector connector_{};
  Address address_ = Address::local(std::string(kOutletAddress));
  PortalOptions options_;
  OutletLimits limits_;
  StreamSet streams_;
  // Streams open or connecting, per peer; shared with the streams' close callbacks.
  std::shared_ptr<std::unordered_map<std::string, std::size_t>> per_peer_ =
      std::make_shared<std::unordered_map<std::string, std::size_t>>();
  std::uint64_t next_id_ = 1;
  bool accepting_ = true;
};

}  // namespace portico::portal
