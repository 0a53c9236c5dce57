#pragma once
// The node's side of enrollment: one request to the hub's "enroll" worker, one answer.
//
//   auto credential = co_await request_credential(router, {channel_encryptor, "enroll"}, token.secret, 10s);
//
// The request goes from a temporary worker at local address "enrollment" (the node's access rules admit the
// hub's answers to exactly that address), which is removed again before this returns. With a token it is an
// EnrollRequest, without one a RefreshRequest. The caller checks what the credential says (its subject is this
// node, its issuer the pinned hub) and stores it (Vault::save_credential).
//
// Thread safety: none; the node's one io_context thread. One request at a time per router.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/awaitable.hpp>

#include "identity/credential.hpp"
#include "identity/enrollment_token.hpp"
#include "routing/router.hpp"

namespace portico::identity {

inline constexpr std::string_view kEnrollClientAddress = "enrollment";

enum class EnrollmentError {
  refused = 1,  // the hub answered EnrollRefused (its reason goes to the caller's `refusal`)
  no_answer,    // nothing came back in time
  busy,         // another request is in progress ("enrollment" is taken)
  bad_answer,   // the answer did not decode, or carried a credential that does not decode
};
const std::error_category& enrollment_category();
inline std::error_code make_error_code(EnrollmentError e) { return {static_cast<int>(e), enrollment_category()}; }

// Asks for a credential along `to_enroll_worker` (its last hop is the hub's "enroll"). On EnrollRefused the
// result is EnrollmentError::refused and, when `refusal` is given, *refusal holds the hub's reason (it must
// outlive the call). Routing errors of the send itself are returned as they are.
asio::awaitable<Result<Credential>> request_credential(Router& router, Route to_enroll_worker,
                                                       std::optional<TokenSecret> token,
                                                       std::chrono::milliseconds timeout,
                                                       std::string* refusal = nullptr);

}  // namespace portico::identity

template <>
struct std::is_error_code_enum<portico::identity::EnrollmentError> : std::true_type {};
