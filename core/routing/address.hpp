#pragma once
// Address and Route: where a message goes next and how a reply finds its way back.
//
// An address is a transport type and opaque bytes. Type 0 (local) names a worker inside one node; type 1 (TCP)
// names a peer node as "host:port" and is resolved by the TCP transport. The text form is "type#value"
// ("0#echo", "1#127.0.0.1:4000"); a bare value means a local address ("echo").

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/result.hpp"

namespace portico {

namespace transport_type {
inline constexpr std::uint8_t kLocal = 0;
inline constexpr std::uint8_t kTcp = 1;
inline constexpr std::uint8_t kUdp = 2;
}  // namespace transport_type

struct Address {
  std::uint8_t type = transport_type::kLocal;
  std::string value;

  static Address local(std::string value) { return {transport_type::kLocal, std::move(value)}; }
  static Address tcp(std::string host_port) { return {transport_type::kTcp, std::move(host_port)}; }

  // "type#value" or "value"; fails on an empty value or a type that is not a number 0..255.
  static Result<Address> parse(std::string_view text);
  std::string to_string() const;

  bool is_local() const { return type == transport_type::kLocal; }
  friend bool operator==(const Address&, const Address&) = default;
};

// Front is the next hop.
using Route = std::vector<Address>;

// "a => b => c", for logs.
std::string to_string(const Route& route);
// Hops separated by ',': "1#127.0.0.1:4000,echo".
Result<Route> parse_route(std::string_view text);

// A fresh local address "<prefix>-<16 hex chars>", for connections and other short-lived workers.
Address random_local_address(std::string_view prefix);

// Direct links (p2p/direct_paths.hpp: a link to a peer over a QUIC connection) live at "direct-<16 hex chars>".
inline constexpr std::string_view kDirectLinkPrefix = "direct";
inline bool is_direct_link(const Address& address) {
  return address.is_local() && address.value.size() > kDirectLinkPrefix.size() &&
         address.value.starts_with(kDirectLinkPrefix) && address.value[kDirectLinkPrefix.size()] == '-';
}

struct AddressHash {
  std::size_t operator()(const Address& a) const noexcept {
    return std::hash<std::string>{}(a.value) * 31 + a.type;
  }
};

}  // namespace portico
