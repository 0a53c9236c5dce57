#pragma once
// HubRegistry: the hub's durable trust state in its data dir, and how a running hub learns what the
// operator's commands change there (agent/admin_commands.hpp).
//
//   relays               "relays" (relay/relay_store.hpp): rewritten after every change of owner, read at start
//   revocations          "revoked" (identity/revocations.hpp): written by `portico revoke`, read at start and
//                        whenever it changes — the hub checks it every kRevocationPoll (one stat call), so no
//                        socket protocol is needed and a revoke made while the hub is down applies at start
//   release requests     "relay-release-<name>", left by `portico relay release`: taken (applied and deleted)
//                        at start and on the same poll
//
// Applying a revocation: the identity's channels on the hub close, its relay names are freed, admission and
// enrollment refuse it from then on (revoked()), and every other member is told over its hub channel
// (identity/membership_messages.hpp), so outlets close their end-to-end channels from it within a second.
//
// Thread safety: none; the hub's one io_context thread.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "channel/secure_channel.hpp"
#include "identity/revocations.hpp"
#include "relay/relay_service.hpp"
#include "relay/relay_store.hpp"

namespace portico::node {

// Online names are marked seen this often (so a long-connected device's name is not "unseen" when it goes).
// `portico relay release NAME` leaves <data>/relay-release-NAME for a running hub to take.
inline constexpr std::string_view kReleaseRequestPrefix = "relay-release-";

inline constexpr auto kRelaySeenInterval = std::chrono::hours(1);

class HubRegistry : public std::enable_shared_from_this<HubRegistry> {
 public:
  HubRegistry(asio::io_context& io, Router& router, std::filesystem::path dir);

  // Reads the stored relay names and revocations (logging what it could not read); the relay names of
  // revoked identities are left out.
  std::vector<relay::StoredRelay> load();
  // Starts applying changes: release requests and new revocations, now and on every poll.
  void start(std::shared_ptr<relay::RelayService> relays, std::shared_ptr<channel::SecureChannelListener> listener);

  bool revoked(const std::string& identifier) const { return revocations_.contains(identifier); }
  // RelayService::Options::persist, and persist_soon (stored on the next poll: a reconnect storm is one write).
  void persist(const relay::RelayTable& table);
  void persist_soon() { dirty_ = true; }

 private:
  asio::awaitable<void> poll();
  void take_release_requests();
  void reload_revocations();
  void apply_revocation(const std::string& identifier);

  asio::io_context& io_;
  Router& router_;
  std::filesystem::path dir_;
  identity::Revocations revocations_;
  identity::FileWatch revocation_watch_;
  std::shared_ptr<relay::RelayService> relays_;
  std::shared_ptr<channel::SecureChannelListener> listener_;
  bool dirty_ = false;
};

// The hub's dead letters: a record for a reply address that has gone (its sender's channel closed) gets the
// same refusal as one for a channel that has gone, so the outlet's end closes at once; the rest goes to
// `channels` (channel/dead_letters.hpp).
std::shared_ptr<Worker> hub_dead_letters(Router& router, std::shared_ptr<Worker> channels);

}  // namespace portico::node
