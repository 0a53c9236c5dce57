#include "p2p/endpoints.hpp"

#include <algorithm>
#include <array>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace portico::p2p {

SeenEndpoint seen_of(const asio::ip::udp::endpoint& endpoint) {
  SeenEndpoint seen;
  seen.port = endpoint.port();
  const asio::ip::address address = endpoint.address();
  if (address.is_v4() || (address.is_v6() && address.to_v6().is_v4_mapped())) {
    const auto v4 = address.is_v4() ? address.to_v4() : asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    const auto bytes = v4.to_bytes();
    std::copy(bytes.begin(), bytes.end(), seen.address.begin() + 12);
  } else {
    seen.v4 = false;
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), seen.address.begin());
  }
  return seen;
}

asio::ip::udp::endpoint udp_of(const SeenEndpoint& endpoint) {
  if (endpoint.v4) {
    asio::ip::address_v4::bytes_type bytes{};
    std::copy_n(endpoint.address.begin() + 12, 4, bytes.begin());
    return {asio::ip::address_v4(bytes), endpoint.port};
  }
  asio::ip::address_v6::bytes_type bytes{};
  std::copy(endpoint.address.begin(), endpoint.address.end(), bytes.begin());
  return {asio::ip::address_v6(bytes), endpoint.port};
}

void append_endpoints(Bytes& out, const std::vector<SeenEndpoint>& endpoints) {
  const std::size_t count = std::min(endpoints.size(), kMaxEndpointsOnWire);
  out.push_back(static_cast<std::uint8_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    const SeenEndpoint& e = endpoints[i];
    out.push_back(e.v4 ? 4 : 6);
    out.push_back(static_cast<std::uint8_t>(e.port >> 8));
    out.push_back(static_cast<std::uint8_t>(e.port & 0xff));
    out.insert(out.end(), e.address.begin(), e.address.end());
  }
}

std::optional<std::vector<SeenEndpoint>> read_endpoints(ByteView bytes) {
  if (bytes.empty()) return std::nullopt;
  const std::size_t count = bytes[0];
  if (count > kMaxEndpointsOnWire || bytes.size() != 1 + count * kEndpointWireBytes) return std::nullopt;
  std::vector<SeenEndpoint> out;
  for (std::size_t i = 0; i < count; ++i) {
    ByteView one = bytes.subspan(1 + i * kEndpointWireBytes, kEndpointWireBytes);
    if (one[0] != 4 && one[0] != 6) return std::nullopt;
    SeenEndpoint e;
    e.v4 = one[0] == 4;
    e.port = static_cast<std::uint16_t>((one[1] << 8) | one[2]);
    std::copy_n(one.begin() + 3, e.address.size(), e.address.begin());
    if (e.v4 && !std::all_of(e.address.begin(), e.address.begin() + 12, [](std::uint8_t b) { return b == 0; })) {
      return std::nullopt;
    }
    out.push_back(e);
  }
  return out;
}

bool offered_interface(std::string_view name) {
  constexpr std::array<std::string_view, 7> kNotOffered = {"lo", "resin-", "balena", "supervisor", "br-", "docker",
                                                          "veth"};
  return !std::any_of(kNotOffered.begin(), kNotOffered.end(), [&](std::string_view prefix) {
    return prefix == "lo" ? name == "lo" : name.starts_with(prefix);
  });
}

std::vector<SeenEndpoint> local_candidates(std::uint16_t port) {
  std::vector<SeenEndpoint> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr && out.size() < kMaxEndpointsOnWire; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
    if (i->ifa_name == nullptr || !offered_interface(i->ifa_name)) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    SeenEndpoint e;
    e.port = port;
    const auto* a = reinterpret_cast<const std::uint8_t*>(&in->sin_addr.s_addr);
    std::copy_n(a, 4, e.address.begin() + 12);
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  freeifaddrs(list);
  return out;
}

}  // namespace portico::p2p
