#include "transport/endpoint.hpp"

#include <charconv>

namespace portico {

Result<HostPort> HostPort::parse(std::string_view text) {
  const auto invalid = std::make_error_code(std::errc::invalid_argument);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of("[] \t/") != std::string_view::npos) return invalid;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || port.empty() || value == 0 || value > 65535) {
    return invalid;
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace portico
