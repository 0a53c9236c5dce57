#include "identity/enrollment_messages.hpp"

#include <algorithm>

namespace portico::identity {
namespace {

enum Type : std::uint8_t { kEnrollRequest = 1, kRefreshRequest, kEnrolled, kEnrollRefused };

Result<EnrollmentMessage> finish(wire::ByteReader& r, EnrollmentMessage message) {
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return message;
}

}  // namespace

Bytes encode(const EnrollmentMessage& message) {
  Bytes out;
  wire::ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(message.index() + 1));
  if (const auto* request = std::get_if<EnrollRequest>(&message)) {
    w.raw(request->secret);
  } else if (const auto* enrolled = std::get_if<Enrolled>(&message)) {
    const ByteView credential(enrolled->credential.data(), std::min(enrolled->credential.size(), kMaxCredentialBytes));
    w.varint(static_cast<std::uint32_t>(credential.size()));
    w.raw(credential);
  } else if (const auto* refused = std::get_if<EnrollRefused>(&message)) {
    w.text(std::string_view(refused->reason).substr(0, kMaxRefusalText));
  }
  return out;
}

Result<EnrollmentMessage> decode_enrollment_message(ByteView input) {
  wire::ByteReader r(input);
  auto type = r.u8();
  if (!type) return type.error();
  switch (*type) {
    case kEnrollRequest: {
      auto secret = r.take(kTokenSecretBytes);
      if (!secret) return secret.error();
      EnrollRequest request;
      std::copy(secret->begin(), secret->end(), request.secret.begin());
      return finish(r, request);
    }
    case kRefreshRequest: return finish(r, RefreshRequest{});
    case kEnrolled: {
      auto length = r.varint();
      if (!length) return length.error();
      if (*length > kMaxCredentialBytes) return wire::Error::payload_too_large;
      auto credential = r.take(*length);
      if (!credential) return credential.error();
      return finish(r, Enrolled{Bytes(credential->begin(), credential->end())});
    }
    case kEnrollRefused: {
      auto reason = r.text(kMaxRefusalText);
      if (!reason) return reason.error();
      return finish(r, EnrollRefused{std::move(*reason)});
    }
    default: return wire::Error::bad_message_type;
  }
}

}  // namespace portico::identity
