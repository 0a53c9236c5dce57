#include "identity/credential.hpp"

namespace portico::identity {
namespace {

class CredentialCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.credential"; }
  std::string message(int value) const override {
    switch (static_cast<CredentialError>(value)) {
      case CredentialError::bad_signature: return "credential signature does not verify";
      case CredentialError::wrong_issuer: return "credential was issued by another authority";
      case CredentialError::expired: return "credential has expired";
      case CredentialError::not_yet_valid: return "credential is not valid yet";
      case CredentialError::bad_version: return "unsupported credential version";
    }
    return "unknown credential error";
  }
};

void write_u64(wire::ByteWriter& w, std::uint64_t v) {
  w.u32_be(static_cast<std::uint32_t>(v >> 32));
  w.u32_be(static_cast<std::uint32_t>(v));
}

Result<std::uint64_t> read_u64(wire::ByteReader& r) {
  auto hi = r.u32_be();
  if (!hi) return hi.error();
  auto lo = r.u32_be();
  if (!lo) return lo.error();
  return static_cast<std::uint64_t>(*hi) << 32 | *lo;
}

Bytes encode_body(const Credential& c) {
  Bytes out;
  wire::ByteWriter w(out);
  w.u8(kCredentialVersion);
  w.text(c.subject);
  w.text(c.issuer);
  write_u64(w, c.issued_at);
  write_u64(w, c.expires_at);
  w.varint(static_cast<std::uint32_t>(c.attributes.size()));
  for (const auto& [key, value] : c.attributes) {  // std::map: sorted, unique
    w.text(key);
    w.text(value);
  }
  return out;
}

}  // namespace

const std::error_category& credential_category() {
  static const CredentialCategory category;
  return category;
}

Credential issue_credential(const Identity& authority, std::string subject,
                            std::map<std::string, std::string> attributes, std::uint64_t issued_at,
                            std::uint64_t expires_at) {
  Credential c{std::move(subject), authority.identifier(), issued_at, expires_at, std::move(attributes), {}};
  c.signature = authority.sign(encode_body(c));
  return c;
}

Bytes encode_credential(const Credential& credential) {
  Bytes out = encode_body(credential);
  out.insert(out.end(), credential.signature.begin(), credential.signature.end());
  return out;
}

Result<Credential> decode_credential(ByteView input) {
  wire::ByteReader r(input);
  auto version = r.u8();
  if (!version) return version.error();
  if (*version != kCredentialVersion) return wire::Error::bad_version;
  Credential c;
  for (std::string* text : {&c.subject, &c.issuer}) {
    auto t = r.text(kMaxCredentialText);
    if (!t) return t.error();
    *text = std::move(*t);
  }
  for (std::uint64_t* time : {&c.issued_at, &c.expires_at}) {
    auto t = read_u64(r);
    if (!t) return t.error();
    *time = *t;
  }
  auto count = r.varint();
  if (!count) return count.error();
  if (*count > kMaxAttributes) return wire::Error::too_many_hops;
  std::string previous;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto key = r.text(kMaxCredentialText);
    if (!key) return key.error();
    auto value = r.text(kMaxCredentialText);
    if (!value) return value.error();
    // Sorted and unique keys keep the encoding canonical: one credential, one byte string.
    if (i > 0 && *key <= previous) return wire::Error::bad_message_type;
    previous = *key;
    c.attributes.emplace(std::move(*key), std::move(*value));
  }
  auto signature = r.take(kSignatureBytes);
  if (!signature) return signature.error();
  std::copy(signature->begin(), signature->end(), c.signature.begin());
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return c;
}

std::error_code verify_credential(const Credential& credential, const PublicKey& authority, std::uint64_t now) {
  if (credential.issuer != identifier_of(authority)) return CredentialError::wrong_issuer;
  if (!verify_signature(authority, encode_body(credential), credential.signature)) {
    return CredentialError::bad_signature;
  }
  if (now < credential.issued_at) return CredentialError::not_yet_valid;
  if (now >= credential.expires_at) return CredentialError::expired;
  return {};
}

}  // namespace portico::identity
