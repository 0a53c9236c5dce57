#include "config_values.hpp"

#include "config.hpp"
#include "identity/credential.hpp"
#include "relay/relay_messages.hpp"
#include "token_command.hpp"

namespace portico::agent {
namespace {

std::optional<ValueProblem> problem(std::string text, std::string example) {
  return ValueProblem{std::move(text), std::move(example)};
}

std::string quoted(std::string_view value) { return "'" + std::string(value) + "'"; }

template <typename T>
std::optional<ValueProblem> into(std::variant<T, ValueProblem> parsed, T& field) {
  if (auto* p = std::get_if<ValueProblem>(&parsed)) return std::move(*p);
  field = std::move(std::get<T>(parsed));
  return std::nullopt;
}

template <typename T>
std::optional<ValueProblem> into(std::variant<T, ValueProblem> parsed, std::optional<T>& field) {
  T value{};
  if (auto p = into(std::move(parsed), value)) return p;
  field = std::move(value);
  return std::nullopt;
}

std::variant<std::string, ValueProblem> absolute_dir(std::string_view text, std::string_view example) {
  if (text.empty() || text.front() != '/') {
    return ValueProblem{quoted(text) + " is not an absolute directory path", std::string(example)};
  }
  return std::string(text);
}

std::optional<ValueProblem> apply_log(std::string_view v, Config& c) {
  if (v == "debug") c.log_level = LogLevel::debug;
  else if (v == "info") c.log_level = LogLevel::info;
  else if (v == "warn") c.log_level = LogLevel::warn;
  else if (v == "error") c.log_level = LogLevel::error;
  else return problem(quoted(v) + " is not one of debug, info, warn, error", "info");
  return std::nullopt;
}

std::optional<ValueProblem> apply_enroll(std::string_view v, Config& c) {
  auto parsed = identity::parse_enrollment_token(v);
  if (!parsed) {
    return problem("is not an enrollment token: " + parsed.error().message() + "; make one on the hub with "
                   "`portico token`", "I3f2a…:9c41…");
  }
  c.enroll = *parsed;
  return std::nullopt;
}

std::optional<ValueProblem> apply_allow(std::string_view v, Config& c) {
  if (auto p = into(parse_allow(v), c.allow)) return p;
  c.allow_is_default = false;
  return std::nullopt;
}

std::optional<ValueProblem> apply_ttl(std::string_view v, Config& c) {
  auto parsed = parse_duration(v);
  if (!parsed || parsed->count() < 10) return problem(quoted(v) + " is not a duration of 10s or more (s, m, h, d)", "7d");
  c.credential_ttl = *parsed;
  return std::nullopt;
}

std::optional<ValueProblem> apply_keep(std::string_view v, Config& c) {
  auto parsed = parse_duration(v);
  if (!parsed) return problem(quoted(v) + " is not a duration (s, m, h, d; at most 3650d)", "90d");
  c.relay_keep = *parsed;
  return std::nullopt;
}

std::optional<ValueProblem> apply_listen_udp(std::string_view v, Config& c) {
  if (v == "off") {
    c.listen_udp_off = true;
    c.listen_udp.reset();
    return std::nullopt;
  }
  c.listen_udp_off = false;
  return into(parse_host_port(v, "0.0.0.0:4000"), c.listen_udp);
}

std::optional<ValueProblem> apply_p2p(std::string_view v, Config& c) {
  if (v == "on" || v == "true" || v == "1") c.p2p = true;
  else if (v == "off" || v == "false" || v == "0") c.p2p = false;
  else return problem(quoted(v) + " is not on or off", "off");
  return std::nullopt;
}

const Setting kSettings[] = {
    {"OCKAM_LOG", "log", exit_code::kLog, apply_log},
    {"OCKAM_METRICS", "metrics", exit_code::kMetrics,
     [](std::string_view v, Config& c) { return into(parse_host_port(v, "127.0.0.1:9464"), c.metrics); }},
    {"OCKAM_PLATFORM_ROOT", "platform_root", exit_code::kData,
     [](std::string_view v, Config& c) { return into(absolute_dir(v, "/"), c.platform_root); }},
    {"OCKAM_DATA", "data", exit_code::kData,
     [](std::string_view v, Config& c) { return into(absolute_dir(v, "/data/portico"), c.data_dir); }},
    {"OCKAM_ENROLL", "enroll", exit_code::kEnroll, apply_enroll},
    {"OCKAM_HUB_IDENTITY", "hub_identity", exit_code::kHubIdentity,
     [](std::string_view v, Config& c) {
       return into(parse_identifier(v, "the hub", "I3f2a…"), c.hub_identity);
     }},
    {"OCKAM_ALLOW", "allow", exit_code::kAllow, apply_allow},
    {"OCKAM_RELAY_NAMES_PER_IDENTITY", "relay_names_per_identity", exit_code::kRelayNamesPerIdentity,
     [](std::string_view v, Config& c) { return into(parse_count(v, 65536, "8"), c.relay_names_per_identity); }},
    {"OCKAM_RELAY_KEEP", "relay_keep", exit_code::kRelayKeep, apply_keep},
    {"OCKAM_CREDENTIAL_TTL", "credential_ttl", exit_code::kCredentialTtl, apply_ttl},
    {"OCKAM_MAX_CONNECTIONS", "limits.max_connections", exit_code::kMaxConnections,
     [](std::string_view v, Config& c) { return into(parse_count(v, 1000000, "1024"), c.connections.max_total); }},
    {"OCKAM_MAX_CONNECTIONS_PER_ADDRESS", "limits.max_connections_per_address", exit_code::kMaxConnectionsPerAddress,
     [](std::string_view v, Config& c) { return into(parse_count(v, 1000000, "64"), c.connections.max_per_address); }},
    {"OCKAM_MAX_PENDING_HANDSHAKES", "limits.max_pending_handshakes", exit_code::kMaxPendingHandshakes,
     [](std::string_view v, Config& c) { return into(parse_count(v, 100000, "256"), c.handshakes.max_pending); }},
    {"OCKAM_MAX_CHANNELS_PER_LINK", "limits.max_channels_per_link", exit_code::kMaxChannelsPerLink,
     [](std::string_view v, Config& c) {
       return into(parse_count(v, 100000, "8"), c.handshakes.max_channels_per_source);
     }},
    {"OCKAM_MAX_STREAMS_PER_PEER", "limits.max_streams_per_peer", exit_code::kMaxStreamsPerPeer,
     [](std::string_view v, Config& c) { return into(parse_count(v, 1000000, "256"), c.max_streams_per_peer); }},
    {"OCKAM_LISTEN_UDP", "listen_udp", exit_code::kListenUdp, apply_listen_udp},
    {"OCKAM_P2P", "p2p", exit_code::kP2p, apply_p2p},
    {"OCKAM_LISTEN", "listen", exit_code::kListen,
     [](std::string_view v, Config& c) { return into(parse_host_port(v, "0.0.0.0:4000"), c.listen); }},
    {"OCKAM_HUB", "hub", exit_code::kHub,
     [](std::string_view v, Config& c) { return into(parse_host_port(v, "hub.example.com:4000"), c.hub); }},
};

bool wildcard(std::string_view host) { return host == "0.0.0.0" || host == "::" || host == "*"; }

std::string_view loopback_name(std::string_view host) { return host == "localhost" ? "127.0.0.1" : host; }

}  // namespace

std::span<const Setting> node_settings() { return kSettings; }

const Setting* find_setting_by_key(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

std::variant<HostPort, ValueProblem> parse_host_port(std::string_view text, std::string_view example) {
  auto parsed = HostPort::parse(text);
  if (!parsed) return ValueProblem{quoted(text) + " is not host:port with a port 1-65535", std::string(example)};
  return *parsed;
}

std::variant<std::string, ValueProblem> parse_relay_name(std::string_view text) {
  if (!relay::valid_relay_name(text)) {
    return ValueProblem{quoted(text) + " is not a relay name (1-64 of A-Z a-z 0-9 . _ -)", "my-device"};
  }
  return std::string(text);
}

std::variant<std::string, ValueProblem> parse_identifier(std::string_view text, std::string_view printed_by,
                                                         std::string_view example) {
  if (!identity::is_identifier(text)) {
    return ValueProblem{quoted(text) + " is not an identifier (I and 64 hex digits, printed by " +
                            std::string(printed_by) + " at start)",
                        std::string(example)};
  }
  return std::string(text);
}

std::variant<std::map<std::string, std::string>, ValueProblem> parse_allow(std::string_view text) {
  const ValueProblem wrong{quoted(text) + " is not key=value[,key=value...] or any", "role=operator"};
  if (text == "any") return std::map<std::string, std::string>{};
  std::map<std::string, std::string> attributes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    const auto equals = pair.find('=');
    if (equals == 0 || equals == std::string_view::npos || pair.size() - equals - 1 > identity::kMaxCredentialText) {
      return wrong;
    }
    attributes[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (attributes.empty()) return wrong;
  return attributes;
}

std::variant<std::size_t, ValueProblem> parse_count(std::string_view text, std::size_t most,
                                                    std::string_view example) {
  std::size_t parsed = 0;
  const bool digits = !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) parsed = std::stoul(std::string(text));
  if (!digits || parsed < 1 || parsed > most) {
    return ValueProblem{quoted(text) + " is not a whole number from 1 to " + std::to_string(most), std::string(example)};
  }
  return parsed;
}

bool listen_addresses_overlap(const HostPort& a, const HostPort& b) {
  if (a.port != b.port) return false;
  return wildcard(a.host) || wildcard(b.host) || loopback_name(a.host) == loopback_name(b.host);
}

}  // namespace portico::agent
