#pragma once
// "host:port" text, as users write it in variables and as TCP addresses carry it. IPv6 hosts go in brackets.

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/result.hpp"

namespace portico {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;

  // Fails on a missing host, a missing port, or a port that is not 1..65535.
  static Result<HostPort> parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace portico
