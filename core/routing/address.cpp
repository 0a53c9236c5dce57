#include "routing/address.hpp"

#include <charconv>
#include <random>

#include "wire/errors.hpp"

namespace portico {

Result<Address> Address::parse(std::string_view text) {
  Address address;
  if (auto hash = text.find('#'); hash != std::string_view::npos) {
    const std::string_view type = text.substr(0, hash);
    unsigned parsed = 0;
    auto [end, ec] = std::from_chars(type.data(), type.data() + type.size(), parsed);
    if (ec != std::errc{} || end != type.data() + type.size() || type.empty() || parsed > 255) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    address.type = static_cast<std::uint8_t>(parsed);
    text.remove_prefix(hash + 1);
  }
  if (text.empty()) return std::make_error_code(std::errc::invalid_argument);
  address.value = std::string(text);
  return address;
}

std::string Address::to_string() const { return std::to_string(type) + "#" + value; }

std::string to_string(const Route& route) {
  std::string out;
  for (const Address& hop : route) {
    if (!out.empty()) out += " => ";
    out += hop.to_string();
  }
  return out.empty() ? "(empty)" : out;
}

Result<Route> parse_route(std::string_view text) {
  Route route;
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto hop = Address::parse(text.substr(0, comma));
    if (!hop) return hop.error();
    route.push_back(std::move(*hop));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (route.empty()) return std::make_error_code(std::errc::invalid_argument);
  return route;
}

Address random_local_address(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string value(prefix);
  value += '-';
  std::uint64_t bits = rng();
  for (int i = 0; i < 16; ++i, bits >>= 4) value += kHex[bits & 0xf];
  return Address::local(std::move(value));
}

}  // namespace portico
