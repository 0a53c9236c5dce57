#pragma once
// MemberNode: a node of the fleet that is not the hub — one TCP link and secure channel to the hub, one
// membership (enrollment, credential refresh), and any number of inlets, outlets and in-process services that
// share them. Assembled from option structs (node/options.hpp) by whoever embeds it: the agent
// (agent/roles.cpp, from the environment and OCKAM_CONFIG) or a program through the library (portico/node.hpp).
// It reads no environment and prints nothing but log lines.
//
//   inlets    a local TCP port each (or none: in-process only), whose streams go to the owner of a relay name
//             through an end-to-end channel opened on demand; connect() makes an in-process stream the same way
//   outlets   a relay name each, registered on the hub; streams go to a TCP target or to a TargetConnector
//   admission default deny: only the hub's own services answer the node's workers (channel/admission.hpp)
//   drain     shutdown() stops accepting, waits (by events, not polling) until every stream has ended or the
//             drain time is up, resets what is left, then closes the hub link
//
// Thread safety: none; the io_context's one thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "identity/identity.hpp"
#include "metrics/metrics.hpp"
#include "metrics/status.hpp"
#include "node/membership.hpp"
#include "node/options.hpp"
#include "portal/portal_outlet.hpp"
#include "routing/router.hpp"
#include "transport/tcp_transport.hpp"

namespace portico::channel {
class HubSession;
class OutletChannel;
class SecureChannelListener;
}  // namespace portico::channel
namespace portico::relay {
class RelayClient;
}

namespace portico::p2p {
class DirectPaths;
class RendezvousClient;
class UdpPort;
}

namespace portico::node {

struct InletSpec {
  InletOptions options;
  std::optional<asio::ip::tcp::acceptor> acceptor{};  // listening on options.listen; none: in-process only
};

struct OutletSpec {
  OutletOptions options;
  std::string name;                      // the relay name to register (options.relay, or one the embedder chose)
  portal::TargetConnector connector{};   // set: streams go to it instead of options.target
  std::string target_text{};             // for log lines; default options.target
};

struct MemberParts {
  MemberOptions options;
  identity::Identity me;
  Trust trust;  // load_trust(): the hub to trust, the stored credential
  std::vector<InletSpec> inlets;
  std::vector<OutletSpec> outlets;
  std::shared_ptr<metrics::Counters> counters = std::make_shared<metrics::Counters>();
  std::function<void()> on_ready{};  // once: every inlet listens and every outlet's relay is registered
};

class MemberNode {
 public:
  // How long an end-to-end channel nobody uses stays open (streams ping every 10 s); the inlet's end first, so it
  // opens a fresh channel for its next stream rather than use one the outlet has just dropped.
  static constexpr auto kInletChannelIdle = std::chrono::minutes(5);
  static constexpr auto kOutletChannelIdle = std::chrono::minutes(10);
  // How long a shutdown's last messages may take to leave on the hub link.
  static constexpr auto kFlushTime = std::chrono::milliseconds(500);
  // In-process inlets connect() may make, one per relay name (each holds a channel and an admission entry).
  static constexpr std::size_t kMaxInlets = 64;

  MemberNode(asio::io_context& io, MemberParts parts);
  MemberNode(const MemberNode&) = delete;
  MemberNode& operator=(const MemberNode&) = delete;
  ~MemberNode();

  // Dials the hub and starts every inlet and outlet.
  void start();
  // An in-process stream to whatever serves `relay` (an outlet or a service): `on_answer` gets "" once the far
  // end accepted it (then `connection` carries it), else why not. An inlet for `relay` is made on first use.
  void connect(const std::string& relay, std::unique_ptr<ByteStream> connection,
               std::function<void(const std::string& failure)> on_answer);
  // Cancels `waiter` once the hub channel is up and presents a valid credential (now, if it already does), or
  // when the node stops. A waiter that is gone by then is forgotten.
  void when_member(std::weak_ptr<asio::steady_timer> waiter);
  bool member() const;
  // Stops accepting, waits up to `drain` for open streams to end, resets the rest, closes the hub link, then
  // calls `done`. Streams arriving meanwhile are refused.
  void shutdown(std::chrono::milliseconds drain, std::function<void()> done);

  const std::string& identifier() const { return identifier_; }
  Router& router() { return router_; }
  const std::shared_ptr<metrics::Counters>& counters() const { return parts_.counters; }
  // For status and health (agent/monitor.hpp).
  std::shared_ptr<TcpLink> hub_link() const;
  std::shared_ptr<channel::HubSession> hub_channel() const { return session_; }
  std::size_t open_streams() const;
  bool all_registered() const;
  Bytes credential() const;
  std::vector<metrics::PeerStatus> peers() const;
  std::vector<metrics::InletStatus> inlets() const;
  std::vector<metrics::OutletStatus> outlets() const;

 private:
  struct Inlet;
  struct Outlet;
  void join_hub();
  void start_direct_paths();  // OCKAM_P2P: the UDP port, the rendezvous and the "p2p" worker
  void start_inlet(Inlet& in);
  void start_outlets();
  void install_admission();
  channel::ChannelOptions listener_options() const;
  Inlet* inlet_for(const std::string& relay);
  void reset_all(const std::string& why, bool tell_peer);
  void maybe_ready();
  void wake_member_waiters();
  void drained();

  asio::io_context& io_;
  Router router_;
  TcpTransport tcp_;
  MemberParts parts_;
  std::string identifier_;
  std::shared_ptr<const identity::Identity> me_;
  std::shared_ptr<channel::HubSession> session_;
  std::shared_ptr<Membership> membership_;
  std::shared_ptr<p2p::UdpPort> udp_;               // direct paths (OCKAM_P2P): the one UDP socket
  std::shared_ptr<p2p::RendezvousClient> rendezvous_;
  std::shared_ptr<p2p::DirectPaths> direct_;
  std::shared_ptr<channel::SecureChannelListener> listener_;
  std::map<std::string, std::string> hub_answers_;  // admission: local worker -> the hub service it hears from
  std::vector<std::unique_ptr<Inlet>> inlets_;
  std::vector<std::unique_ptr<Outlet>> outlets_;
  std::size_t registered_ = 0;
  bool listening_ = false;
  bool ready_sent_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::optional<asio::steady_timer> drain_timer_;
  std::function<void()> on_drained_;
  std::vector<std::weak_ptr<asio::steady_timer>> member_waiters_;
  std::vector<std::function<void()>> done_;  // each shutdown()'s callback
};

}  // namespace portico::node
