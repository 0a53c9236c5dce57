#pragma once
// The node-wide settings, each readable from an environment variable (OCKAM_HUB) and from a key of the
// configuration file (hub:), parsed by one function so both sources accept the same values and word a problem
// the same way. config.cpp reads the variables, config_file.cpp the keys.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "transport/endpoint.hpp"

namespace portico::agent {

struct Config;

// What is wrong with a value, without naming where it came from: "'9464' is not host:port with a port 1-65535",
// and an example value ("127.0.0.1:9464"). The caller adds "OCKAM_METRICS: ... (example: OCKAM_METRICS=...)" or
// "file:3: metrics: ... (example: metrics: ...)".
struct ValueProblem {
  std::string problem;
  std::string example;
};

struct Setting {
  const char* variable;  // OCKAM_METRICS
  const char* key;       // metrics; "limits.max_connections" for a key of the file's limits: map
  int exit_code;         // the variable's own code (a file key's problem exits with exit_code::kConfig)
  std::optional<ValueProblem> (*apply)(std::string_view value, Config& config);
};

// Every setting both sources share, in the order the environment is checked.
std::span<const Setting> node_settings();
const Setting* find_setting_by_key(std::string_view key);

// The value parsers the portal settings (OCKAM_IN, OCKAM_OUT, inlets: and outlets: entries) share.
std::variant<HostPort, ValueProblem> parse_host_port(std::string_view text, std::string_view example);
std::variant<std::string, ValueProblem> parse_relay_name(std::string_view text);
std::variant<std::string, ValueProblem> parse_identifier(std::string_view text, std::string_view printed_by,
                                                         std::string_view example);
// "role=operator,site=berlin" or "any" (empty: any member of the hub).
std::variant<std::map<std::string, std::string>, ValueProblem> parse_allow(std::string_view text);
std::variant<std::size_t, ValueProblem> parse_count(std::string_view text, std::size_t most, std::string_view example);

// Two inlets cannot listen on the same port when the addresses are equal or either is a wildcard (0.0.0.0, ::).
bool listen_addresses_overlap(const HostPort& a, const HostPort& b);

}  // namespace portico::agent
