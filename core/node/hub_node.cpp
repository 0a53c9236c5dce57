#include "node/hub_node.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "channel/admission.hpp"
#include "channel/dead_letters.hpp"
#include "channel/secure_channel.hpp"
#include "identity/enrollment_service.hpp"
#include "node/hub_registry.hpp"
#include "node/status_sources.hpp"
#include "p2p/rendezvous_service.hpp"
#include "relay/relay_service.hpp"
#include "routing/workers.hpp"

namespace portico::node {

namespace {
// How long a shutdown's last messages may take to leave on the links.
constexpr auto kFlushTime = std::chrono::milliseconds(500);
}  // namespace

HubNode::HubNode(asio::io_context& io, HubOptions options, identity::Identity me, asio::ip::tcp::acceptor acceptor,
                 std::shared_ptr<metrics::Counters> counters)
    : io_(io), tcp_(io.get_executor(), router_), options_(std::move(options)), me_(std::move(me)),
      identifier_(me_.identifier()), acceptor_(std::move(acceptor)), counters_(std::move(counters)) {}

HubNode::~HubNode() = default;

void HubNode::start() {
  // Relay names, revocations and release requests in the data dir (hub_registry.hpp).
  registry_ = std::make_shared<HubRegistry>(io_, router_, options_.data_dir);
  auto stored_relays = registry_->load();
  auto revoked = [registry = registry_](const std::string& identifier) { return registry->revoked(identifier); };
  // Default deny: plaintext reaches only the channel listener; non-members only enrollment; members only the
  // hub's services; revoked identities nothing (channel/admission.hpp).
  router_.set_admission([revoked](const Message& message) {
    return channel::hub_admission(message, identity::system_now(), revoked);
  });
  // A node still sending on a channel whose next hop is gone (that node's link closed) is told so.
  auto dead_letters = hub_dead_letters(router_, std::make_shared<channel::ChannelDeadLetters>(router_));
  router_.set_dead_letters(dead_letters);
  relay::RelayService::Options relay_options{
      // Weak: the registry holds the relay service (registry->start below), so a strong capture would be a cycle.
      .persist = [weak = std::weak_ptr<HubRegistry>(registry_)](const relay::RelayTable& table) {
        if (auto r = weak.lock()) r->persist(table);
      },
      .persist_soon = [weak = std::weak_ptr<HubRegistry>(registry_)] {
        if (auto r = weak.lock()) r->persist_soon();
      },
      .offline = dead_letters};
  if (options_.relay_names_per_identity) relay_options.limits.names_per_owner = *options_.relay_names_per_identity;
  if (options_.relay_keep) relay_options.limits.keep_unseen = static_cast<std::uint64_t>(options_.relay_keep->count());
  relays_ = relay::RelayService::start(router_, relay_options, stored_relays);
  router_.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(router_, Address::local("echo")));
  auto counters = counters_;
  listener_ = channel::SecureChannelListener::start(io_.get_executor(), router_, {
      .identity = std::make_shared<const identity::Identity>(me_),
      .policy = {.authority = me_.public_key(), .allow_anonymous = true},
      .aes_hardware = options_.aes_hardware,
      .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; },
  });
  listener_->set_handshake_limits(options_.handshakes, 1);  // a source is a link (connections per address: below)
  tcp_.set_connection_limits(options_.connections);
  // A node's channel lives on its link: when the link closes, so does the channel (and its relay goes offline).
  tcp_.on_accepted_link_closed([listener = listener_](const Address& link) {
    listener->close_channels("its link closed", link);
  });
  // The relay's reply addresses for a node whose channel closed lead nowhere any more.
  listener_->on_channel_closed([relays = relays_](const Address& encryptor, const std::string&) {
    relays->forget_route(encryptor);
  });
  registry_->start(relays_, listener_);
  identity::EnrollmentService::Options enrollment;
  enrollment.revoked = revoked;
  if (options_.credential_ttl) enrollment.credential_lifetime = *options_.credential_ttl;
  credential_lifetime_ = enrollment.credential_lifetime;
  router_.register_worker(Address::local(std::string(identity::kEnrollAddress)),
                          std::make_shared<identity::EnrollmentService>(
                              router_, me_, identity::TokenStore(options_.data_dir), enrollment));
  asio::co_spawn(io_, tcp_.serve(acceptor_), asio::detached);
}

void HubNode::serve_rendezvous(asio::ip::udp::socket socket) {
  std::error_code ec;
  const auto at = socket.local_endpoint(ec);
  rendezvous_ = p2p::RendezvousService::start(router_, std::move(socket), {});
  spdlog::info("rendezvous for direct paths on udp/{}:{}: members holding a ticket learn their public endpoint",
               at.address().to_string(), at.port());
}

void HubNode::shutdown(std::function<void()> done) {
  if (rendezvous_) rendezvous_->stop();
  if (registry_ && relays_) registry_->persist(relays_->table());
  tcp_.stop(kFlushTime, std::move(done));
}

std::size_t HubNode::relays_registered() const { return relays_ ? relays_->table().size() : 0; }

std::vector<metrics::RelayStatus> HubNode::relays() const {
  return relays_ ? relay_status(*relays_) : std::vector<metrics::RelayStatus>{};
}

std::size_t HubNode::members_connected() const { return listener_ ? listener_->established_peers().size() : 0; }

std::size_t HubNode::names_per_identity() const {
  return options_.relay_names_per_identity.value_or(relay::kDefaultNamesPerOwner);
}

std::uint64_t HubNode::keep_unseen_seconds() const {
  return options_.relay_keep ? static_cast<std::uint64_t>(options_.relay_keep->count()) : relay::kDefaultKeepUnseen;
}

}  // namespace portico::node
