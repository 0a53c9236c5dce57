#include "p2p/rendezvous.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <arpa/inet.h>
#include <sodium.h>

namespace portico::p2p {
namespace {

constexpr std::string_view kRequestTag = "PRQ1";
constexpr std::string_view kAnswerTag = "PRA1";
constexpr std::size_t kMacBytes = 16;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "portrdv1";

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.rendezvous"; }
  std::string message(int code) const override {
    switch (static_cast<RendezvousError>(code)) {
      case RendezvousError::bad_size: return "not a rendezvous message (wrong size)";
      case RendezvousError::bad_tag: return "not a rendezvous message of this version";
      case RendezvousError::expired: return "the ticket has expired";
      case RendezvousError::bad_mac: return "does not check under the ticket's key";
      case RendezvousError::wrong_transaction: return "an answer to another question";
      case RendezvousError::bad_family: return "an unknown address family";
    }
    return "unknown rendezvous error";
  }
};

std::array<std::uint8_t, kMacBytes> mac_of(const TicketKey& key, ByteView data) {
  std::array<std::uint8_t, kMacBytes> mac{};
  crypto_generichash(mac.data(), mac.size(), data.data(), data.size(), key.data(), key.size());
  return mac;
}

bool mac_ok(const TicketKey& key, ByteView message) {
  const auto body = message.first(message.size() - kMacBytes);
  const auto expected = mac_of(key, body);
  return sodium_memcmp(expected.data(), message.data() + body.size(), kMacBytes) == 0;
}

bool has_tag(ByteView data, std::string_view tag) { return std::equal(tag.begin(), tag.end(), data.begin()); }

std::uint64_t id_number(const TicketId& id) {
  std::uint64_t n = 0;
  for (const std::uint8_t b : id) n = (n << 8) | b;
  return n;
}

}  // namespace

const std::error_category& rendezvous_category() {
  static const Category category;
  return category;
}

Bytes RendezvousTicket::encode() const {
  Bytes out(id.begin(), id.end());
  out.insert(out.end(), key.begin(), key.end());
  return out;
}

Result<RendezvousTicket> RendezvousTicket::decode(ByteView bytes) {
  if (bytes.size() != kTicketWireBytes) return RendezvousError::bad_size;
  RendezvousTicket ticket;
  std::copy_n(bytes.begin(), ticket.id.size(), ticket.id.begin());
  std::copy_n(bytes.begin() + ticket.id.size(), ticket.key.size(), ticket.key.begin());
  return ticket;
}

std::uint32_t RendezvousTicket::expires() const { return static_cast<std::uint32_t>(id_number(id) >> 32); }

std::string SeenEndpoint::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (v4) {
    inet_ntop(AF_INET, address.data() + 12, text, sizeof text);
    return std::string(text) + ":" + std::to_string(port);
  }
  inet_ntop(AF_INET6, address.data(), text, sizeof text);
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

RendezvousIssuer RendezvousIssuer::with_random_secret() {
  TicketKey secret{};
  crypto_kdf_keygen(secret.data());
  return RendezvousIssuer(secret);
}

TicketKey RendezvousIssuer::key_of(const TicketId& id) const {
  TicketKey key{};
  crypto_kdf_derive_from_key(key.data(), key.size(), id_number(id), kKdfContext, secret_.data());
  return key;
}

RendezvousTicket RendezvousIssuer::issue(Seconds now, std::chrono::seconds lifetime) const {
  const auto expires = static_cast<std::uint32_t>(std::min<Seconds>(now + static_cast<Seconds>(lifetime.count()), UINT32_MAX));
  RendezvousTicket ticket;
  for (int i = 0; i < 4; ++i) ticket.id[i] = static_cast<std::uint8_t>(expires >> (24 - 8 * i));
  randombytes_buf(ticket.id.data() + 4, 4);
  ticket.key = key_of(ticket.id);
  return ticket;
}

Result<Bytes> RendezvousIssuer::answer(ByteView request, const SeenEndpoint& seen, Seconds now) const {
  if (request.size() != kRendezvousRequestBytes) return RendezvousError::bad_size;
  if (!has_tag(request, kRequestTag)) return RendezvousError::bad_tag;
  RendezvousTicket ticket;
  std::copy_n(request.begin() + 4, ticket.id.size(), ticket.id.begin());
  const TicketKey key = key_of(ticket.id);
  if (!mac_ok(key, request)) return RendezvousError::bad_mac;  // checked first: the expiry is the peer's word
  if (ticket.expires() < now) return RendezvousError::expired;
  Bytes out(kAnswerTag.begin(), kAnswerTag.end());
  out.insert(out.end(), request.begin() + 12, request.begin() + 24);  // the txid
  out.push_back(seen.v4 ? 4 : 6);
  out.push_back(static_cast<std::uint8_t>(seen.port >> 8));
  out.push_back(static_cast<std::uint8_t>(seen.port & 0xff));
  out.insert(out.end(), seen.address.begin(), seen.address.end());
  const auto mac = mac_of(key, out);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Bytes make_rendezvous_request(const RendezvousTicket& ticket, const TransactionId& txid) {
  Bytes out(kRequestTag.begin(), kRequestTag.end());
  out.insert(out.end(), ticket.id.begin(), ticket.id.end());
  out.insert(out.end(), txid.begin(), txid.end());
  out.resize(kRendezvousRequestBytes - kMacBytes, 0);
  const auto mac = mac_of(ticket.key, out);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Result<SeenEndpoint> read_rendezvous_answer(ByteView answer, const RendezvousTicket& ticket,
                                            const TransactionId& txid) {
  if (answer.size() != kRendezvousAnswerBytes) return RendezvousError::bad_size;
  if (!has_tag(answer, kAnswerTag)) return RendezvousError::bad_tag;
  if (!mac_ok(ticket.key, answer)) return RendezvousError::bad_mac;
  if (!std::equal(txid.begin(), txid.end(), answer.begin() + 4)) return RendezvousError::wrong_transaction;
  SeenEndpoint seen;
  const std::uint8_t family = answer[16];
  if (family != 4 && family != 6) return RendezvousError::bad_family;
  seen.v4 = family == 4;
  seen.port = static_cast<std::uint16_t>((answer[17] << 8) | answer[18]);
  std::copy_n(answer.begin() + 19, seen.address.size(), seen.address.begin());
  return seen;
}

}  // namespace portico::p2p
