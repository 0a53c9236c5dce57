#pragma once
// Rendezvous: how a node's UDP socket learns its public endpoint from the hub (docs/direct-paths.md), as pure
// functions and a plain class (no sockets, time as input).
//
// The hub hands each member a ticket inside their secure channel (RendezvousIssuer::issue): an id and a key.
// The node's UDP socket then asks the hub's rendezvous port, and the hub answers with the address and port it
// saw the question come from, under the ticket's key:
//
//   request = "PRQ1" ticket_id:8 txid:12 zero:24 mac:16           64 bytes
//   answer  = "PRA1" txid:12 family:u8 port:u16be address:16 mac:16   51 bytes (family 4: address = 12 zeros, IPv4)
//   mac     = BLAKE2b-128 keyed with the ticket key, over everything before it
//
// - Nobody off the path can feed a node a false address: an answer opens only under the ticket's key and only
//   for the node's own transaction id.
// - Nobody without a ticket gets an answer, and an answer is smaller than its question, so the port is no
//   amplifier; what an on-path replay can do is make the hub send 51 bytes to someone once per replayed packet
//   (the hub's answers per second are limited).
// - The hub keeps no table: ticket id = expiry:u32be random:u32, key = BLAKE2b-KDF(hub secret, id), so any
//   number of members cost nothing and a restart (a new secret) ends every ticket.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "wire/bytes.hpp"
#include "wire/result.hpp"

namespace portico::p2p {

inline constexpr std::size_t kRendezvousRequestBytes = 64;
inline constexpr std::size_t kRendezvousAnswerBytes = 51;
inline constexpr std::size_t kTicketWireBytes = 8 + 32;

using TicketId = std::array<std::uint8_t, 8>;
using TicketKey = std::array<std::uint8_t, 32>;
using TransactionId = std::array<std::uint8_t, 12>;

struct RendezvousTicket {
  TicketId id{};
  TicketKey key{};
  // id then key, as the hub's "rendezvous" service sends it inside the channel.
  Bytes encode() const;
  static Result<RendezvousTicket> decode(ByteView bytes);
  std::uint32_t expires() const;  // seconds since the epoch
};

// An endpoint as the hub saw it: an IPv4 address is kept as its 4 bytes in address[12..16).
struct SeenEndpoint {
  bool v4 = true;
  std::array<std::uint8_t, 16> address{};
  std::uint16_t port = 0;
  std::string to_string() const;
  friend bool operator==(const SeenEndpoint&, const SeenEndpoint&) = default;
};

enum class RendezvousError {
  bad_size = 1,   // not a request (or answer) of this protocol's size
  bad_tag,        // not this protocol, or another version of it
  expired,        // the ticket's time is up
  bad_mac,        // does not check under the ticket's key (forged, altered, another ticket's)
  wrong_transaction,  // an answer for another question (late, or replayed)
  bad_family,
};
const std::error_category& rendezvous_category();
inline std::error_code make_error_code(RendezvousError e) { return {static_cast<int>(e), rendezvous_category()}; }

// The hub's side.
class RendezvousIssuer {
 public:
  using Seconds = std::uint64_t;  // since the epoch
  explicit RendezvousIssuer(const TicketKey& secret) : secret_(secret) {}
  // A fresh secret from the system's random source.
  static RendezvousIssuer with_random_secret();

  RendezvousTicket issue(Seconds now, std::chrono::seconds lifetime) const;
  // The answer to `request`, which came from `seen`; an error (and no answer) for anything else.
  Result<Bytes> answer(ByteView request, const SeenEndpoint& seen, Seconds now) const;

 private:
  TicketKey key_of(const TicketId& id) const;
  TicketKey secret_;
};

// The node's side.
Bytes make_rendezvous_request(const RendezvousTicket& ticket, const TransactionId& txid);
Result<SeenEndpoint> read_rendezvous_answer(ByteView answer, const RendezvousTicket& ticket, const TransactionId& txid);

}  // namespace portico::p2p

template <>
struct std::is_error_code_enum<portico::p2p::RendezvousError> : std::true_type {};
