#pragma once
// EnrollmentService: the hub's membership authority, the worker at local address "enroll".
//
// It answers only messages that came through a secure channel: the channel's verified peer identifier
// (Message::origin) is the subject of every credential it signs, so nobody can obtain a credential for a key
// they do not hold.
//   EnrollRequest{secret}  a valid token (TokenStore::redeem)   -> Enrolled{credential with the token's attributes}
//   RefreshRequest{}       from a current member                -> Enrolled{credential with the same attributes}
//   either, from a revoked identity                             -> EnrollRefused
//   anything else                                               -> EnrollRefused{reason}
// Each credential is valid from now for `credential_lifetime`. Every enrollment and every refusal is one log
// line naming the peer. The hub's access rules let non-members reach this worker and nothing else.
//
// Thread safety: none; the hub's one io_context thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "identity/credential.hpp"
#include "identity/enrollment_messages.hpp"
#include "identity/token_store.hpp"
#include "routing/router.hpp"

namespace portico::identity {

inline constexpr std::string_view kEnrollAddress = "enroll";
// Long enough for a device to ride out a week offline; short enough that revocation (the hub stops
// refreshing) takes effect within a week.
inline constexpr std::chrono::seconds kDefaultCredentialLifetime = std::chrono::hours(24 * 7);

class EnrollmentService final : public Worker {
 public:
  struct Options {
    std::chrono::seconds credential_lifetime = kDefaultCredentialLifetime;
    std::function<std::uint64_t()> clock = system_now;  // seconds since the epoch
    // Whether an identifier is revoked (`portico revoke`): it is refused both enrollment and refresh.
    std::function<bool(const std::string&)> revoked = nullptr;
  };

  EnrollmentService(Router& router, Identity hub, TokenStore tokens, Options options);
  EnrollmentService(Router& router, Identity hub, TokenStore tokens)
      : EnrollmentService(router, std::move(hub), std::move(tokens), Options{}) {}

  asio::awaitable<void> handle_message(Message message) override;

  // The answer to `message` (an encoded EnrollmentMessage), without sending it: the whole decision, for tests.
  EnrollmentMessage answer(const Message& message);

 private:
  EnrollmentMessage issue(const std::string& subject, Attributes attributes, std::string_view verb);
  EnrollmentMessage refuse(const Message& message, std::string reason);

  Router& router_;
  Identity hub_;
  TokenStore tokens_;
  Options options_;
};

}  // namespace portico::identity
