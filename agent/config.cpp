#include "config.hpp"

#include "identity/credential.hpp"
#include "relay/relay_messages.hpp"
#include "token_command.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace portico::agent {
namespace {

ConfigError error(std::string variable, std::string_view problem, std::string_view example, int code) {
  std::string message =
      variable + ": " + std::string(problem) + " (example: " + variable + "=" + std::string(example) + ")";
  return ConfigError{std::move(variable), std::move(message), code};
}

// A set variable must hold host:port; empty counts as set (and wrong), so a typo in a fleet variable is loud.
std::variant<HostPort, ConfigError> host_port(const Environment& env, const char* variable,
                                              std::string_view example, int code) {
  auto value = env(variable);
  if (!value) {
    ConfigError unset = error(variable, "is not set", example, code);
    unset.unconfigured = true;
    return unset;
  }
  auto parsed = HostPort::parse(*value);
  if (!parsed) return error(variable, "'" + *value + "' is not host:port with a port 1-65535", example, code);
  return *parsed;
}

// "role=operator,site=berlin": what an outlet requires of an inlet's credential.
std::optional<std::map<std::string, std::string>> parse_attributes(std::string_view text) {
  std::map<std::string, std::string> attributes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    const auto equals = pair.find('=');
    if (equals == 0 || equals == std::string_view::npos || pair.size() - equals - 1 > identity::kMaxCredentialText) {
      return std::nullopt;
    }
    attributes[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (attributes.empty()) return std::nullopt;
  return attributes;
}

// The membership variables every role may carry (the hub only OCKAM_CREDENTIAL_TTL).
std::optional<ConfigError> load_membership(const Environment& env, Config& config) {
  if (auto token = env("OCKAM_ENROLL")) {
    auto parsed = identity::parse_enrollment_token(*token);
    if (!parsed) {
      return error("OCKAM_ENROLL", "is not an enrollment token: " + parsed.error().message() +
                   "; make one on the hub with `portico token`", "I3f2a…:9c41…", exit_code::kEnroll);
    }
    config.enroll = *parsed;
  }
  if (auto pinned = env("OCKAM_HUB_IDENTITY")) {
    if (!identity::is_identifier(*pinned)) {
      return error("OCKAM_HUB_IDENTITY", "'" + *pinned + "' is not an identifier (I and 64 hex digits, printed by the hub "
                   "at start)", "I3f2a…", exit_code::kHubIdentity);
    }
    if (config.enroll && config.enroll->hub_identifier != *pinned) {
      return error("OCKAM_HUB_IDENTITY", "'" + *pinned + "' is not the hub named in OCKAM_ENROLL (" +
                   config.enroll->hub_identifier + ")", config.enroll->hub_identifier, exit_code::kHubIdentity);
    }
    config.hub_identity = *pinned;
  }
  if (auto allow = env("OCKAM_ALLOW"); allow && *allow == "any") {
    config.allow.clear();
    config.allow_is_default = false;
  } else if (allow) {
    auto attributes = parse_attributes(*allow);
    if (!attributes) {
      return error("OCKAM_ALLOW", "'" + *allow + "' is not key=value[,key=value...] or any", "role=operator",
                   exit_code::kAllow);
    }
    config.allow = std::move(*attributes);
    config.allow_is_default = false;
  }
  if (auto forward_identity = env("OCKAM_FORWARD_IDENTITY")) {
    if (!identity::is_identifier(*forward_identity)) {
      return error("OCKAM_FORWARD_IDENTITY", "'" + *forward_identity + "' is not an identifier (I and 64 hex digits, "
                   "printed by the outlet at start)", "I7c1e…", exit_code::kForwardIdentity);
    }
    config.forward_identity = *forward_identity;
  }
  if (auto per_identity = env("OCKAM_RELAY_NAMES_PER_IDENTITY")) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(per_identity->data(), per_identity->data() + per_identity->size(), value);
    if (ec != std::errc{} || end != per_identity->data() + per_identity->size() || value < 1 || value > 65536) {
      return error("OCKAM_RELAY_NAMES_PER_IDENTITY", "'" + *per_identity + "' is not a whole number from 1 to 65536",
                   "8", exit_code::kRelayNamesPerIdentity);
    }
    config.relay_names_per_identity = value;
  }
  if (auto keep = env("OCKAM_RELAY_KEEP")) {
    auto parsed = parse_duration(*keep);
    if (!parsed) {
      return error("OCKAM_RELAY_KEEP", "'" + *keep + "' is not a duration (s, m, h, d; at most 3650d)", "90d",
                   exit_code::kRelayKeep);
    }
    config.relay_keep = *parsed;
  }
  if (auto ttl = env("OCKAM_CREDENTIAL_TTL")) {
    auto parsed = parse_duration(*ttl);
    if (!parsed || parsed->count() < 10) {
      return error("OCKAM_CREDENTIAL_TTL", "'" + *ttl + "' is not a duration of 10s or more (s, m, h, d)", "7d",
                   exit_code::kCredentialTtl);
    }
    config.credential_ttl = *parsed;
  }
  return std::nullopt;
}

// A count limit: a whole number from 1 to `most`.
std::optional<ConfigError> count_limit(const Environment& env, const char* variable, std::size_t most,
                                       std::string_view example, int code, std::size_t& into) {
  auto value = env(variable);
  if (!value) return std::nullopt;
  std::size_t parsed = 0;
  const bool digits = !value->empty() && value->size() <= 9 &&
                      value->find_first_not_of("0123456789") == std::string::npos;
  if (digits) parsed = std::stoul(*value);
  if (!digits || parsed < 1 || parsed > most) {
    return error(variable, "'" + *value + "' is not a whole number from 1 to " + std::to_string(most), example, code);
  }
  into = parsed;
  return std::nullopt;
}

std::optional<ConfigError> load_limits(const Environment& env, Config& config) {
  if (auto e = count_limit(env, "OCKAM_MAX_CONNECTIONS", 1000000, "1024", exit_code::kMaxConnections,
                           config.connections.max_total)) return e;
  if (auto e = count_limit(env, "OCKAM_MAX_CONNECTIONS_PER_ADDRESS", 1000000, "64",
                           exit_code::kMaxConnectionsPerAddress, config.connections.max_per_address)) return e;
  if (auto e = count_limit(env, "OCKAM_MAX_PENDING_HANDSHAKES", 100000, "256", exit_code::kMaxPendingHandshakes,
                           config.handshakes.max_pending)) return e;
  // Random early drop starts at half the table: above what one address can hold (16 links x 4 unfinished).
  config.handshakes.early_drop_from = std::max<std::size_t>(1, config.handshakes.max_pending / 2);
  if (auto e = count_limit(env, "OCKAM_MAX_CHANNELS_PER_LINK", 100000, "8", exit_code::kMaxChannelsPerLink,
                           config.handshakes.max_channels_per_source)) return e;
  if (auto e = count_limit(env, "OCKAM_MAX_STREAMS_PER_PEER", 1000000, "256", exit_code::kMaxStreamsPerPeer,
                           config.max_streams_per_peer)) return e;
  return std::nullopt;
}

// OCKAM_UNCONFIGURED and OCKAM_DISABLE: what the agent does when there is nothing (or nothing wanted) to run.
std::optional<ConfigError> load_idle_policy(const Environment& env, Config& config) {
  if (auto policy = env("OCKAM_UNCONFIGURED")) {
    if (*policy != "exit" && *policy != "idle") {
      return error("OCKAM_UNCONFIGURED", "'" + *policy + "' is not exit or idle", "idle", exit_code::kUnconfigured);
    }
    config.idle_when_unconfigured = *policy == "idle";
  }
  if (auto disable = env("OCKAM_DISABLE")) {
    const std::string& v = *disable;
    if (v == "1" || v == "true" || v == "yes") {
      ConfigError off{"OCKAM_DISABLE", "OCKAM_DISABLE=" + v + ": disabled, nothing runs (set OCKAM_DISABLE=0 or "
                                       "remove it to run)", 0};
      off.unconfigured = true;
      return off;
    }
    if (!v.empty() && v != "0" && v != "false" && v != "no") {
      return error("OCKAM_DISABLE", "'" + v + "' is not 1, true, yes, 0, false or no", "1", exit_code::kDisable);
    }
  }
  return std::nullopt;
}

std::variant<Config, ConfigError> load_role(const Environment& env, Config& config);

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}


std::variant<Config, ConfigError> load_config(const Environment& env) {
  Config config;
  if (auto problem = load_idle_policy(env, config)) {
    problem->idle = problem->unconfigured && config.idle_when_unconfigured;
    return *problem;
  }
  auto loaded = load_role(env, config);
  if (auto* problem = std::get_if<ConfigError>(&loaded)) problem->idle = problem->unconfigured && config.idle_when_unconfigured;
  return loaded;
}

namespace {

std::variant<Config, ConfigError> load_role(const Environment& env, Config& config) {
  if (auto level = env("OCKAM_LOG")) {
    if (*level == "debug") config.log_level = LogLevel::debug;
    else if (*level == "info") config.log_level = LogLevel::info;
    else if (*level == "warn") config.log_level = LogLevel::warn;
    else if (*level == "error") config.log_level = LogLevel::error;
    else return error("OCKAM_LOG", "'" + *level + "' is not one of debug, info, warn, error", "info", exit_code::kLog);
  }
  if (env("OCKAM_METRICS")) {
    auto metrics = host_port(env, "OCKAM_METRICS", "127.0.0.1:9464", exit_code::kMetrics);
    if (auto* e = std::get_if<ConfigError>(&metrics)) return *e;
    config.metrics = std::get<HostPort>(metrics);
  }
  config.device_uuid = env("BALENA_DEVICE_UUID");
  config.service_name = env("BALENA_SERVICE_NAME");
  config.xdg_data_home = env("XDG_DATA_HOME").value_or("");
  config.home = env("HOME").value_or("");
  config.notify_socket = env("NOTIFY_SOCKET").value_or("");
  if (auto root = env("OCKAM_PLATFORM_ROOT")) {
    if (root->empty() || root->front() != '/') {
      return error("OCKAM_PLATFORM_ROOT", "'" + *root + "' is not an absolute directory path", "/", exit_code::kData);
    }
    config.platform_root = *root;
  }
  if (auto data = env("OCKAM_DATA")) {
    if (data->empty() || data->front() != '/') {
      return error("OCKAM_DATA", "'" + *data + "' is not an absolute directory path", "/data/portico",
                   exit_code::kData);
    }
    config.data_dir = *data;
  }
  if (auto problem = load_membership(env, config)) return *problem;
  if (auto problem = load_limits(env, config)) return *problem;

  const bool inlet = env("OCKAM_IN").has_value();
  const bool outlet = env("OCKAM_OUT").has_value();
  if (!inlet && !outlet) {
    if (!env("OCKAM_LISTEN")) {
      ConfigError none{"OCKAM_IN", "OCKAM_IN, OCKAM_OUT or OCKAM_LISTEN: none is set, so there is nothing to do "
                                   "(example: OCKAM_OUT=127.0.0.1:5432 OCKAM_HUB=hub.example.com:4000)",
                       exit_code::kRole};
      none.unconfigured = true;
      return none;
    }
    config.role = Role::hub;
    auto listen = host_port(env, "OCKAM_LISTEN", "0.0.0.0:4000", exit_code::kListen);
    if (auto* e = std::get_if<ConfigError>(&listen)) return *e;
    config.listen = std::get<HostPort>(listen);
    return config;
  }

  auto hub = host_port(env, "OCKAM_HUB", "hub.example.com:4000", exit_code::kHub);
  if (auto* e = std::get_if<ConfigError>(&hub)) return *e;
  config.hub = std::get<HostPort>(hub);

  if (inlet) {
    if (outlet) config.warnings.push_back("both OCKAM_IN and OCKAM_OUT are set: running as an inlet, OCKAM_OUT is ignored");
    config.role = Role::inlet;
    auto in = host_port(env, "OCKAM_IN", "127.0.0.1:15432", exit_code::kIn);
    if (auto* e = std::get_if<ConfigError>(&in)) return *e;
    config.inlet_listen = std::get<HostPort>(in);
    auto forward = env("OCKAM_FORWARD");
    if (!forward) {
      ConfigError unset = error("OCKAM_FORWARD", "is required in inlet mode: the outlet's relay name", "my-device",
                                exit_code::kForward);
      unset.unconfigured = true;
      return unset;
    }
    if (!relay::valid_relay_name(*forward)) {
      return error("OCKAM_FORWARD", "'" + *forward + "' is not a relay name (1-64 of A-Z a-z 0-9 . _ -)", "my-device",
                   exit_code::kForward);
    }
    config.forward = *forward;
    return config;
  }

  config.role = Role::outlet;
  auto out = host_port(env, "OCKAM_OUT", "127.0.0.1:5432", exit_code::kOut);
  if (auto* e = std::get_if<ConfigError>(&out)) return *e;
  config.outlet_target = std::get<HostPort>(out);
  if (auto relay = env("OCKAM_RELAY")) {
    if (!relay::valid_relay_name(*relay)) {
      return error("OCKAM_RELAY", "'" + *relay + "' is not a relay name (1-64 of A-Z a-z 0-9 . _ -)", "my-device",
                   exit_code::kRelay);
    }
    config.relay = *relay;
  }
  return config;
}

}  // namespace
}  // namespace portico::agent
