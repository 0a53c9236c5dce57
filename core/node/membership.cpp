#include "node/membership.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "identity/enrollment_client.hpp"
#include "identity/enrollment_service.hpp"

namespace portico::node {
namespace {

constexpr auto kEnrollTimeout = std::chrono::seconds(10);
constexpr auto kRefreshRetry = std::chrono::seconds(30);
// The hub's public key (hex and a newline), kept once a hub channel proved it, to check stored credentials at start.
constexpr const char* kHubKeyFile = "hub_key";

}  // namespace

std::optional<Trust> load_trust(const std::optional<std::string>& hub_identity,
                                const std::optional<identity::EnrollmentToken>& enroll, const identity::Vault& vault) {
  Trust trust;
  auto pinned = vault.load_hub_identity();
  if (hub_identity) {
    trust.hub_identifier = *hub_identity;
  } else if (enroll) {
    trust.hub_identifier = enroll->hub_identifier;
  } else if (pinned) {
    trust.hub_identifier = *pinned;
  } else {
    return std::nullopt;
  }
  if (auto credential = vault.load_credential()) trust.credential = std::move(*credential);
  return trust;
}

std::uint64_t refresh_time(const identity::Credential& credential) {
  const std::uint64_t lifetime = credential.expires_at > credential.issued_at
                                     ? credential.expires_at - credential.issued_at : 0;
  return credential.issued_at + lifetime * 2 / 3;
}

Membership::Membership(Router& router, std::shared_ptr<channel::HubSession> hub, identity::Vault vault, Trust trust,
                       std::optional<identity::EnrollmentToken> token, std::string self)
    : router_(router), hub_(std::move(hub)), vault_(std::move(vault)), trust_(std::move(trust)),
      token_(std::move(token)), self_(std::move(self)), refresh_timer_(hub_->executor()) {
  check_stored();
  // A stored credential is shown when valid, and also when it is not but there is no token to replace it: the hub
  // is the judge, and says why it refuses (e.g. expired), in both logs.
  if (trust_.credential && (usable(*trust_.credential) || !token_)) {
    hub_->set_credential(identity::encode_credential(*trust_.credential));
  }
}

std::shared_ptr<Membership> Membership::start(Router& router, std::shared_ptr<channel::HubSession> hub,
                                              identity::Vault vault, Trust trust,
                                              std::optional<identity::EnrollmentToken> token, std::string self) {
  auto membership = std::make_shared<Membership>(router, hub, std::move(vault), std::move(trust), std::move(token),
                                                 std::move(self));
  std::weak_ptr<Membership> weak = membership;
  hub->on_state_change([weak](bool up) {
    auto alive = weak.lock();
    if (!alive || !up) return;
    alive->remember_hub_key();
    alive->check_stored();  // before anyone presents it to peers
    asio::co_spawn(alive->hub_->executor(), alive->on_hub_up(), asio::detached);
  });
  asio::co_spawn(hub->executor(), membership->keep_fresh(), asio::detached);
  return membership;
}

bool Membership::usable(const identity::Credential& credential) const {
  if (credential.subject != self_ || credential.issuer != trust_.hub_identifier ||
      credential.expires_at <= identity::system_now()) {
    return false;
  }
  // The signature, against the key the hub proved (now, or on an earlier channel: file "hub_key").
  const auto key = hub_key();
  if (!key) return true;
  return !identity::verify_credential(credential, *key, identity::system_now());
}

std::optional<identity::PublicKey> Membership::hub_key() const {
  if (hub_->hub()) return hub_->hub()->identity_key;
  auto bytes = identity::read_file(vault_.dir() / kHubKeyFile);
  if (!bytes) return std::nullopt;
  auto key = identity::from_hex(std::string_view(as_chars(*bytes)).substr(0, 2 * identity::kPublicKeyBytes));
  if (!key || key->size() != identity::kPublicKeyBytes) return std::nullopt;
  identity::PublicKey hub{};
  std::copy(key->begin(), key->end(), hub.begin());
  if (identity::identifier_of(hub) != trust_.hub_identifier) return std::nullopt;
  return hub;
}

void Membership::remember_hub_key() {
  if (!hub_->hub()) return;
  const std::string hex = identity::to_hex(hub_->hub()->identity_key) + "\n";
  if (auto stored = identity::read_file(vault_.dir() / kHubKeyFile); stored && as_chars(*stored) == hex) return;
  if (auto ec = identity::write_private_file(vault_.dir() / kHubKeyFile, as_bytes(hex))) {
    spdlog::warn("cannot keep the hub's key in {}: {}", vault_.dir().string(), ec.message());
  }
}

void Membership::check_stored() {
  if (!trust_.credential) return;
  const auto key = hub_key();
  if (!key) return;
  const auto ec = identity::verify_credential(*trust_.credential, *key, identity::system_now());
  if (!ec || ec == identity::CredentialError::expired) return;
  spdlog::error("the stored credential does not verify against hub {}'s key ({}): discarded{}", trust_.hub_identifier,
                ec.message(), token_ ? "; enrolling again with OCKAM_ENROLL" : "; set OCKAM_ENROLL to enroll again");
  trust_.credential.reset();
  hub_->set_credential({});
  std::error_code ignored;
  std::filesystem::remove(vault_.dir() / "credential", ignored);
  for (const auto& observer : observers_) observer();
}


bool Membership::member() const { return trust_.credential && usable(*trust_.credential); }

asio::awaitable<void> Membership::on_hub_up() {
  auto self = shared_from_this();
  if (member()) {
    spdlog::info("member of hub {}: {} until {}", trust_.hub_identifier,
                 identity::describe_attributes(trust_.credential->attributes),
                 identity::format_utc(trust_.credential->expires_at));
    co_return;
  }
  if (token_) {
    co_await enroll();
    co_return;
  }
  if (!warned_) {
    warned_ = true;
    spdlog::error("not a member of hub {}{}: it will refuse relays and routing; set OCKAM_ENROLL to a token from "
                  "`portico token` on the hub", trust_.hub_identifier,
                  trust_.credential ? " (the stored credential is expired or for another hub)" : "");
  }
}

asio::awaitable<void> Membership::enroll() {
  if (enrolling_) co_return;
  enrolling_ = true;
  std::string refusal;
  auto credential = co_await identity::request_credential(router_, hub_->route_to(identity::kEnrollAddress),
                                                          token_->secret, kEnrollTimeout, &refusal);
  enrolling_ = false;
  if (!credential) {
    spdlog::error("enrollment with hub {} failed: {}{}", trust_.hub_identifier, credential.error().message(),
                  refusal.empty() ? "" : ": " + refusal);
    co_return;
  }
  if (!usable(*credential)) {
    spdlog::error("enrollment with hub {}: the credential it answered is not for this node, not signed by the hub or "
                  "not valid; rejected",
                  trust_.hub_identifier);
    co_return;
  }
  if (auto ec = vault_.save_hub_identity(trust_.hub_identifier)) {
    spdlog::warn("cannot store the hub identity in {}: {}", vault_.dir().string(), ec.message());
  }
  adopt(std::move(*credential), "enrolled");
  hub_->reopen("enrolled: presenting the new credential");
}

void Membership::adopt(identity::Credential credential, const char* how) {
  if (auto ec = vault_.save_credential(credential)) {
    spdlog::warn("cannot store the credential in {}: {} (it is used until the node restarts)",
                 vault_.dir().string(), ec.message());
  }
  spdlog::info("{} with hub {}: {} until {}", how, trust_.hub_identifier,
               identity::describe_attributes(credential.attributes), identity::format_utc(credential.expires_at));
  hub_->set_credential(identity::encode_credential(credential));
  trust_.credential = std::move(credential);
  refresh_timer_.cancel();  // re-plan the refresh for the new expiry
  for (const auto& observer : observers_) observer();
}


asio::awaitable<void> Membership::keep_fresh() {
  auto self = shared_from_this();
  auto sleep = [this](std::chrono::seconds delay) -> asio::awaitable<void> {
    refresh_timer_.expires_after(delay);
    co_await refresh_timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  };
  for (;;) {
    if (!member()) {
      co_await sleep(kRefreshRetry);  // woken early by adopt() after enrollment
      continue;
    }
    const std::uint64_t now = identity::system_now(), at = refresh_time(*trust_.credential);
    if (at > now) {
      co_await sleep(std::chrono::seconds(at - now));
      continue;  // plan again: the time may have come, or a new credential arrived
    }
    if (!hub_->up()) {
      co_await sleep(std::chrono::seconds(1));
      continue;
    }
    std::string refusal;
    auto credential = co_await identity::request_credential(router_, hub_->route_to(identity::kEnrollAddress),
                                                            std::nullopt, kEnrollTimeout, &refusal);
    if (!credential || !usable(*credential)) {
      spdlog::warn("credential refresh with hub {} failed: {}{}; retrying in {} s", trust_.hub_identifier,
                   credential ? "not a valid credential for this node (subject, issuer, signature, expiry)" : credential.error().message(),
                   refusal.empty() ? "" : ": " + refusal, kRefreshRetry.count());
      co_await sleep(kRefreshRetry);
      continue;
    }
    adopt(std::move(*credential), "credential refreshed");
    hub_->present_credential();
  }
}

}  // namespace portico::node
