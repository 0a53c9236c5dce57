#include "identity/enrollment_service.hpp"

#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::identity {

EnrollmentService::EnrollmentService(Router& router, Identity hub, TokenStore tokens, Options options)
    : router_(router), hub_(std::move(hub)), tokens_(std::move(tokens)), options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_now;
}

asio::awaitable<void> EnrollmentService::handle_message(Message message) {
  Bytes reply = encode(answer(message));
  co_await router_.send(make_reply(message, Address::local(std::string(kEnrollAddress)), std::move(reply)));
}

EnrollmentMessage EnrollmentService::answer(const Message& message) {
  if (!message.origin || message.origin->kind != MessageOrigin::Kind::channel) {
    return refuse(message, "enrollment is only answered inside a secure channel to the hub");
  }
  const MessageOrigin& origin = *message.origin;
  if (options_.revoked && options_.revoked(origin.peer)) return refuse(message, "this identity is revoked");
  auto decoded = decode_enrollment_message(message.payload);
  if (!decoded) return refuse(message, "malformed enrollment request: " + decoded.error().message());

  if (const auto* request = std::get_if<EnrollRequest>(&*decoded)) {
    auto attributes = tokens_.redeem(request->secret, options_.clock());
    if (!attributes) return refuse(message, attributes.error().message());
    return issue(origin.peer, std::move(*attributes), "enrolled");
  }
  if (std::holds_alternative<RefreshRequest>(*decoded)) {
    if (!origin.member || origin.member_until <= options_.clock()) {
      return refuse(message, "not a member (no valid credential from this hub): enroll with a token");
    }
    return issue(origin.peer, origin.attributes, "refreshed");
  }
  return refuse(message, "not an enrollment request");
}

EnrollmentMessage EnrollmentService::issue(const std::string& subject, Attributes attributes, std::string_view verb) {
  const std::uint64_t now = options_.clock();
  const auto lifetime = static_cast<std::uint64_t>(options_.credential_lifetime.count());
  const std::string shown = describe_attributes(attributes);
  Credential credential = issue_credential(hub_, subject, std::move(attributes), now, now + lifetime);
  spdlog::info("{} {} with {} until {}", verb, subject, shown, format_utc(credential.expires_at));
  return Enrolled{encode_credential(credential)};
}

EnrollmentMessage EnrollmentService::refuse(const Message& message, std::string reason) {
  const bool from_channel = message.origin && message.origin->kind == MessageOrigin::Kind::channel;
  const std::string sender = from_channel ? message.origin->peer
                                          : "an unauthenticated sender via " + to_string(message.return_route);
  if (auto gate = util::log_gate("enroll-refused", sender)) {
    spdlog::warn("enrollment refused for {}: {}{}", util::clip(sender), util::clip(reason), gate.suffix());
  }
  return EnrollRefused{std::move(reason)};
}

}  // namespace portico::identity
