#pragma once
// Membership: a node's standing with its hub — which hub it trusts, its credential, enrollment with
// an enrollment token and refresh before expiry. The protocol is core/identity (enrollment_*).
//
//   hub identity  OCKAM_HUB_IDENTITY, else the hub named in OCKAM_ENROLL, else the one pinned at enrollment
//                 (data dir file "hub_identity"); none of them is a start-up error naming the variables
//   credential    data dir file "credential"; when it is missing, expired or was issued by another hub and
//                 OCKAM_ENROLL is set, the node enrolls over its hub channel as soon as that is up, stores the
//                 credential and opens the channel again to present it
//   hub key       data dir file "hub_key": the key the hub proved on its channel (hex), so a stored credential's
//                 signature is checked at start, before it is shown even to the hub
//   checks        every credential (stored, enrolled, refreshed) is checked in full before it is stored or
//                 presented to peers: subject, issuer, expiry, and the signature against the key the hub proved
//                 on its channel; enrollment answers are taken only from the hub's own "enroll" service
//                 (channel/admission.hpp), never from anything routed through the hub
//   refresh       at two thirds of the credential's lifetime, over the member channel; the new credential is
//                 presented to the hub on the open channel (no reconnect)
//
// Thread safety: none; the node's one io_context thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <asio/steady_timer.hpp>

#include "channel/hub_session.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/credential.hpp"
#include "identity/vault.hpp"

namespace portico::node {

struct Trust {
  std::string hub_identifier;
  std::optional<identity::Credential> credential;  // as stored; may be expired or from another hub
};

// The hub identity to trust (`hub_identity`, else the token's hub, else the one pinned at enrollment) and the
// stored credential; nothing when none of the three names a hub (a node never enrolled, given no token).
std::optional<Trust> load_trust(const std::optional<std::string>& hub_identity,
                                const std::optional<identity::EnrollmentToken>& enroll, const identity::Vault& vault);

// When a credential issued at `issued_at` and expiring at `expires_at` should be refreshed.
std::uint64_t refresh_time(const identity::Credential& credential);

class Membership : public std::enable_shared_from_this<Membership> {
 public:
  Membership(Router& router, std::shared_ptr<channel::HubSession> hub, identity::Vault vault, Trust trust,
             std::optional<identity::EnrollmentToken> token, std::string self);
  static std::shared_ptr<Membership> start(Router& router, std::shared_ptr<channel::HubSession> hub,
                                           identity::Vault vault, Trust trust,
                                           std::optional<identity::EnrollmentToken> token, std::string self);

  // Whether the credential the node presents is valid now (the hub will treat the node as a member).
  bool member() const;
  // Called after each new credential (enrollment, refresh): whoever presents it to peers takes the new one.
  void on_credential(std::function<void()> observer) { observers_.push_back(std::move(observer)); }
  // The encoded credential to present (to the hub and to peers); empty before enrollment.
  Bytes credential_bytes() const {
    return trust_.credential ? identity::encode_credential(*trust_.credential) : Bytes{};
  }

 private:
  asio::awaitable<void> on_hub_up();
  asio::awaitable<void> enroll();
  asio::awaitable<void> keep_fresh();
  // Subject, issuer, expiry and, once the hub channel has proven the hub's key, the signature.
  bool usable(const identity::Credential& credential) const;
  // Drops a stored credential whose signature the proven hub key does not verify (a forgery written to disk).
  void check_stored();
  // The hub's key: as its channel proved it, else as kept in the data dir from an earlier channel.
  std::optional<identity::PublicKey> hub_key() const;
  void remember_hub_key();
  void adopt(identity::Credential credential, const char* how);

  Router& router_;
  std::shared_ptr<channel::HubSession> hub_;
  identity::Vault vault_;
  Trust trust_;
  std::optional<identity::EnrollmentToken> token_;
  std::string self_;
  asio::steady_timer refresh_timer_;
  std::vector<std::function<void()>> observers_;
  bool enrolling_ = false;
  bool warned_ = false;
};

}  // namespace portico::node
