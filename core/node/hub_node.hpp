#pragma once
// HubNode: the hub — accepts nodes' connections, runs the relay service with durable names, enrollment,
// revocation and default-deny admission. Assembled from HubOptions (node/options.hpp) and a listening socket by
// whoever embeds it (the agent: agent/roles.cpp; a program: portico/node.hpp). It dials nothing: its router has
// no transport for "1#host:port" hops, so no message can make it open a connection.
//
// Thread safety: none; the io_context's one thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include "identity/identity.hpp"
#include "metrics/metrics.hpp"
#include "metrics/status.hpp"
#include "node/options.hpp"
#include "routing/router.hpp"
#include "transport/tcp_transport.hpp"

namespace portico::channel {
class SecureChannelListener;
}
namespace portico::relay {
class RelayService;
}

namespace portico::p2p {
class RendezvousService;
}

namespace portico::node {

class HubRegistry;

class HubNode {
 public:
  HubNode(asio::io_context& io, HubOptions options, identity::Identity me, asio::ip::tcp::acceptor acceptor,
          std::shared_ptr<metrics::Counters> counters = std::make_shared<metrics::Counters>());
  HubNode(const HubNode&) = delete;
  HubNode& operator=(const HubNode&) = delete;
  ~HubNode();

  // Loads the relay names and revocations from the data dir and starts serving.
  void start();
  // Answers "what address do you see?" on `socket` (bound already) for members holding a ticket
  // (p2p/rendezvous_service.hpp). Without it the hub has no rendezvous and direct paths stay off.
  void serve_rendezvous(asio::ip::udp::socket socket);
  // Stores the relay table and closes every link (sending what each holds first, briefly); then `done`.
  void shutdown(std::function<void()> done);

  const std::string& identifier() const { return identifier_; }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t relays_registered() const;
  std::vector<metrics::RelayStatus> relays() const;
  std::size_t members_connected() const;
  // The relay names per identity and how long an unseen name is kept, as in force (for the start-up line).
  std::size_t names_per_identity() const;
  std::uint64_t keep_unseen_seconds() const;
  std::chrono::seconds credential_lifetime() const { return credential_lifetime_; }

 private:
  asio::io_context& io_;
  Router router_;
  TcpTransport tcp_;
  HubOptions options_;
  identity::Identity me_;
  std::string identifier_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<metrics::Counters> counters_;
  std::shared_ptr<HubRegistry> registry_;
  std::shared_ptr<relay::RelayService> relays_;
  std::shared_ptr<p2p::RendezvousService> rendezvous_;
  std::shared_ptr<channel::SecureChannelListener> listener_;
  std::chrono::seconds credential_lifetime_{};
};

}  // namespace portico::node
