#include "node/hub_registry.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "channel/channel_messages.hpp"
#include "identity/membership_messages.hpp"

namespace portico::node {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

class HubDeadLetters final : public Worker {
 public:
  HubDeadLetters(Router& router, std::shared_ptr<Worker> channels) : router_(router), channels_(std::move(channels)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (message.onward.empty() || !relay::RelayService::is_reply_address(message.onward.front())) {
      co_await channels_->handle_message(std::move(message));
      co_return;
    }
    if (message.payload.empty() || message.return_route.empty() || message.payload[0] != channel::kRecordType) co_return;
    constexpr std::string_view kGone = "no such channel any more (its node went away)";
    Bytes refusal{channel::kRefusalType};
    refusal.insert(refusal.end(), kGone.begin(), kGone.end());
    Message answer{message.return_route, {}, std::move(refusal)};
    co_await router_.send(std::move(answer));
  }

 private:
  Router& router_;
  std::shared_ptr<Worker> channels_;
};

}  // namespace

std::shared_ptr<Worker> hub_dead_letters(Router& router, std::shared_ptr<Worker> channels) {
  return std::make_shared<HubDeadLetters>(router, std::move(channels));
}

HubRegistry::HubRegistry(asio::io_context& io, Router& router, std::filesystem::path dir)
    : io_(io), router_(router), dir_(std::move(dir)), revocation_watch_(dir_ / identity::kRevocationFile) {}

std::vector<relay::StoredRelay> HubRegistry::load() {
  revocation_watch_.changed();
  if (auto ec = identity::load_revocations(dir_ / identity::kRevocationFile, revocations_)) {
    spdlog::error("cannot read the revocations in {}: {}", (dir_ / identity::kRevocationFile).string(), ec.message());
  } else if (!revocations_.revoked_at.empty() || revocations_.bad_lines > 0) {
    spdlog::info("{} revoked identities ({} unreadable lines skipped)", revocations_.revoked_at.size(),
                 revocations_.bad_lines);
  }
  relay::DecodedRelays stored;
  if (auto ec = relay::load_relays(dir_ / relay::kRelayStoreFile, stored)) {
    spdlog::error("cannot read the relay names in {}: {}", (dir_ / relay::kRelayStoreFile).string(), ec.message());
  }
  if (stored.bad_lines > 0) {
    spdlog::warn("{}: {} unreadable lines skipped", (dir_ / relay::kRelayStoreFile).string(), stored.bad_lines);
  }
  std::erase_if(stored.relays, [this](const relay::StoredRelay& relay) { return revoked(relay.owner); });
  return std::move(stored.relays);
}

void HubRegistry::persist(const relay::RelayTable& table) {
  dirty_ = false;
  std::vector<relay::StoredRelay> relays;
  relays.reserve(table.size());
  for (const auto& [name, binding] : table.bindings()) relays.push_back({name, binding.owner, binding.last_seen});
  if (auto ec = relay::save_relays(dir_ / relay::kRelayStoreFile, relays)) {
    spdlog::error("cannot store the relay names in {}: {} (a restart would forget the latest owners)",
                  (dir_ / relay::kRelayStoreFile).string(), ec.message());
  }
}

void HubRegistry::start(std::shared_ptr<relay::RelayService> relays,
                        std::shared_ptr<channel::SecureChannelListener> listener) {
  relays_ = std::move(relays);
  listener_ = std::move(listener);
  take_release_requests();
  asio::co_spawn(io_, [self = shared_from_this()] { return self->poll(); }, asio::detached);
}

asio::awaitable<void> HubRegistry::poll() {
  asio::steady_timer timer(io_);
  auto seen_at = std::chrono::steady_clock::now();
  for (;;) {
    timer.expires_after(identity::kRevocationPoll);
    auto [ec] = co_await timer.async_wait(kUseTuple);
    if (ec) co_return;
    if (revocation_watch_.changed()) reload_revocations();
    take_release_requests();
    if (dirty_) persist(relays_->table());
    if (std::chrono::steady_clock::now() - seen_at >= kRelaySeenInterval) {
      seen_at = std::chrono::steady_clock::now();
      relays_->touch_online();
    }
  }
}

void HubRegistry::take_release_requests() {
  std::error_code ec;
  std::vector<std::filesystem::path> requests;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(kReleaseRequestPrefix)) requests.push_back(entry.path());
  }
  for (const auto& request : requests) {
    const std::string name = request.filename().string().substr(kReleaseRequestPrefix.size());
    if (!relay::valid_relay_name(name) || !relays_->release(name, "`portico relay release`")) {
      spdlog::info("release of relay \"{}\" requested: nobody holds it", name);
    }
    std::filesystem::remove(request, ec);
  }
}

void HubRegistry::reload_revocations() {
  identity::Revocations now;
  if (auto ec = identity::load_revocations(dir_ / identity::kRevocationFile, now)) {
    spdlog::error("cannot read the revocations in {}: {}", (dir_ / identity::kRevocationFile).string(), ec.message());
    return;
  }
  std::vector<std::string> added;
  for (const auto& [identifier, at] : now.revoked_at) {
    if (!revocations_.contains(identifier)) added.push_back(identifier);
  }
  // A line removed from the file by hand lifts that revocation; the identity may enroll again.
  for (const auto& [identifier, at] : revocations_.revoked_at) {
    if (!now.contains(identifier)) spdlog::warn("{} is no longer revoked", identifier);
  }
  revocations_ = std::move(now);
  for (const auto& identifier : added) apply_revocation(identifier);
}

void HubRegistry::apply_revocation(const std::string& identifier) {
  const auto names = relays_->drop_owner(identifier, "its identity " + identifier + " is revoked");
  // The revoked node is told its channel is refused (so it drops its streams now, not at its next keepalive);
  // every other member is told who is revoked.
  std::vector<Address> members;
  std::vector<Route> refused;
  for (const auto& peer : listener_->established_peers()) {
    if (peer.identifier == identifier) {
      refused.push_back(peer.route);
    } else {
      members.push_back(peer.encryptor);
    }
  }
  const std::size_t closed = listener_->close_channels_with(identifier, "the identity is revoked");
  spdlog::warn("revoked {}: closed {} channels, freed {} relay names, telling {} members", identifier, closed,
               names.size(), members.size());
  const Bytes notice = identity::encode(identity::MembershipNotice{identity::Revoked{identifier}});
  asio::co_spawn(io_, [this, members = std::move(members), refused = std::move(refused), notice,
                       self = shared_from_this()]() -> asio::awaitable<void> {
    constexpr std::string_view kRevoked = "this identity is revoked";
    for (const Route& route : refused) {
      Bytes refusal{channel::kRefusalType};
      refusal.insert(refusal.end(), kRevoked.begin(), kRevoked.end());
      Message message{route, {}, std::move(refusal)};
      co_await router_.send(std::move(message));
    }
    for (const Address& encryptor : members) {
      Message message{Route{encryptor, Address::local(std::string(identity::kMembershipAddress))},
                      Route{Address::local(std::string(identity::kMembershipAddress))}, notice};
      co_await router_.send(std::move(message));
    }
  }, asio::detached);
}

}  // namespace portico::node
