#include "config.hpp"

#include "config_file.hpp"
#include "config_values.hpp"

#include <algorithm>
#include <cstdlib>

namespace portico::agent {
namespace {

ConfigError error(std::string variable, std::string_view problem, std::string_view example, int code) {
  std::string message = variable + ": " + std::string(problem);
  if (!example.empty()) message += " (example: " + variable + "=" + std::string(example) + ")";
  return ConfigError{std::move(variable), std::move(message), code};
}

ConfigError error(std::string variable, const ValueProblem& p, int code) {
  return error(std::move(variable), p.problem, p.example, code);
}

ConfigError unset(std::string variable, std::string_view problem, std::string_view example, int code) {
  ConfigError e = error(std::move(variable), problem, example, code);
  e.unconfigured = true;
  return e;
}

const Setting& setting(std::string_view variable) {
  const auto all = node_settings();
  return *std::find_if(all.begin(), all.end(), [&](const Setting& s) { return variable == s.variable; });
}

// A variable of the table, when set: parsed into config, replacing what the file said.
std::optional<ConfigError> apply_variable(const Environment& env, const Setting& s, Config& config) {
  auto value = env(s.variable);
  if (!value) return std::nullopt;
  if (auto p = s.apply(*value, config)) return error(s.variable, *p, s.exit_code);
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

// OCKAM_CONFIG (a path) or OCKAM_CONFIG_YAML (the text), at most one.
std::variant<std::optional<FileConfig>, ConfigError> load_file(const Environment& env) {
  auto path = env("OCKAM_CONFIG");
  auto text = env("OCKAM_CONFIG_YAML");
  if (path && text) {
    return error("OCKAM_CONFIG", "and OCKAM_CONFIG_YAML are both set: use one, the file's path or its text", "",
                 exit_code::kConfig);
  }
  if (path && path->empty()) {
    return error("OCKAM_CONFIG", "is empty: the path of a YAML file", "/etc/portico/portico.yaml", exit_code::kConfig);
  }
  if (!path && !text) return std::optional<FileConfig>{};
  auto parsed = path ? read_config_file(*path) : parse_config_file(*text, "OCKAM_CONFIG_YAML");
  if (auto* e = std::get_if<ConfigError>(&parsed)) {
    if (text) e->variable = "OCKAM_CONFIG_YAML";
    return *e;
  }
  return std::optional<FileConfig>(std::move(std::get<FileConfig>(parsed)));
}

// The hub identity pinned and the one the token names must agree, wherever each comes from.
std::optional<ConfigError> check_hub_identity(const Environment& env, const Config& config, const FileConfig* file) {
  if (!config.enroll || !config.hub_identity || config.enroll->hub_identifier == *config.hub_identity) return std::nullopt;
  const std::string token_from = env("OCKAM_ENROLL") || !file
                                     ? std::string("OCKAM_ENROLL")
                                     : "enroll: (" + file->name + ":" + std::to_string(file->lines.at("enroll")) + ")";
  const std::string problem = "'" + *config.hub_identity + "' is not the hub named in " + token_from + " (" +
                              config.enroll->hub_identifier + ")";
  if (env("OCKAM_HUB_IDENTITY") || !file) {
    return error("OCKAM_HUB_IDENTITY", problem, config.enroll->hub_identifier, exit_code::kHubIdentity);
  }
  return ConfigError{"OCKAM_CONFIG", file_problem(file->name, file->lines.at("hub_identity"), "hub_identity", problem,
                                                  "hub_identity: " + config.enroll->hub_identifier),
                     exit_code::kConfig};
}

std::optional<ConfigError> load_node_settings(const Environment& env, Config& config, const FileConfig* file) {
  for (const Setting& s : node_settings()) {
    // Read with the role: a hub ignores OCKAM_HUB, and OCKAM_LISTEN means nothing beside OCKAM_IN or OCKAM_OUT.
    if (std::string_view(s.variable) == "OCKAM_LISTEN" || std::string_view(s.variable) == "OCKAM_HUB") continue;
    if (auto e = apply_variable(env, s, config)) return e;
  }
  if (auto e = check_hub_identity(env, config, file)) return e;
  if (auto forward_identity = env("OCKAM_FORWARD_IDENTITY")) {
    auto parsed = parse_identifier(*forward_identity, "the outlet", "I7c1e…");
    if (auto* p = std::get_if<ValueProblem>(&parsed)) return error("OCKAM_FORWARD_IDENTITY", *p, exit_code::kForwardIdentity);
    config.forward_identity = *forward_identity;
  }
  // Random early drop starts at half the table: above what one address can hold (16 links x 4 unfinished).
  config.handshakes.early_drop_from = std::max<std::size_t>(1, config.handshakes.max_pending / 2);
  config.device_uuid = env("BALENA_DEVICE_UUID");
  config.service_name = env("BALENA_SERVICE_NAME");
  config.xdg_data_home = env("XDG_DATA_HOME").value_or("");
  config.home = env("HOME").value_or("");
  config.notify_socket = env("NOTIFY_SOCKET").value_or("");
  return std::nullopt;
}

// OCKAM_IN + OCKAM_FORWARD (+ OCKAM_FORWARD_IDENTITY): the environment's inlet.
std::variant<node::InletOptions, ConfigError> env_inlet(const Environment& env, const Config& config) {
  node::InletOptions inlet;
  inlet.relay_identity = config.forward_identity;
  auto in = parse_host_port(*env("OCKAM_IN"), "127.0.0.1:15432");
  if (auto* p = std::get_if<ValueProblem>(&in)) return error("OCKAM_IN", *p, exit_code::kIn);
  inlet.listen = std::get<HostPort>(in);
  auto forward = env("OCKAM_FORWARD");
  if (!forward) {
    return unset("OCKAM_FORWARD", "is required in inlet mode: the outlet's relay name", "my-device", exit_code::kForward);
  }
  auto name = parse_relay_name(*forward);
  if (auto* p = std::get_if<ValueProblem>(&name)) return error("OCKAM_FORWARD", *p, exit_code::kForward);
  inlet.relay = std::get<std::string>(name);
  return inlet;
}

// OCKAM_OUT (+ OCKAM_RELAY, OCKAM_ALLOW, OCKAM_MAX_STREAMS_PER_PEER): the environment's outlet.
std::variant<node::OutletOptions, ConfigError> env_outlet(const Environment& env, const Config& config) {
  node::OutletOptions outlet;
  outlet.allow = config.allow;
  outlet.allow_is_default = config.allow_is_default;
  outlet.max_streams_per_peer = config.max_streams_per_peer;
  auto out = parse_host_port(*env("OCKAM_OUT"), "127.0.0.1:5432");
  if (auto* p = std::get_if<ValueProblem>(&out)) return error("OCKAM_OUT", *p, exit_code::kOut);
  outlet.target = std::get<HostPort>(out);
  if (auto relay = env("OCKAM_RELAY")) {
    auto name = parse_relay_name(*relay);
    if (auto* p = std::get_if<ValueProblem>(&name)) return error("OCKAM_RELAY", *p, exit_code::kRelay);
    outlet.relay = std::get<std::string>(name);
  }
  return outlet;
}

std::string at(const FileConfig& file, int line) { return file.name + ":" + std::to_string(line); }

// With a file, the environment's portal joins the file's lists; it may not take what one of them has.
std::optional<ConfigError> add_env_portals(const Environment& env, Config& config, const FileConfig& file) {
  for (const FileInlet& i : file.inlets) config.inlets.push_back(i.options);
  for (const FileOutlet& o : file.outlets) {
    config.outlets.push_back(o.options);
    if (!o.own_allow) config.outlets.back().allow = config.allow, config.outlets.back().allow_is_default = config.allow_is_default;
    if (!o.own_max_streams) config.outlets.back().max_streams_per_peer = config.max_streams_per_peer;
  }
  if (env("OCKAM_IN")) {
    auto inlet = env_inlet(env, config);
    if (auto* e = std::get_if<ConfigError>(&inlet)) return *e;
    const auto& mine = std::get<node::InletOptions>(inlet);
    for (std::size_t i = 0; i < file.inlets.size(); ++i) {
      const HostPort& theirs = file.inlets[i].options.listen;
      if (listen_addresses_overlap(mine.listen, theirs)) {
        return error("OCKAM_IN", "'" + mine.listen.to_string() + "' overlaps inlets[" + std::to_string(i) + "].listen '" +
                     theirs.to_string() + "' in " + at(file, file.inlets[i].line) + ": one port, one inlet",
                     "", exit_code::kConfig);
      }
    }
    config.inlets.push_back(mine);
  } else if (config.forward_identity) {
    config.warnings.push_back("OCKAM_FORWARD_IDENTITY is for OCKAM_IN's inlet, and OCKAM_IN is not set: ignored (an "
                              "inlet of " + file.name + " takes relay_identity:)");
  }
  if (env("OCKAM_OUT")) {
    auto outlet = env_outlet(env, config);
    if (auto* e = std::get_if<ConfigError>(&outlet)) return *e;
    const auto& mine = std::get<node::OutletOptions>(outlet);
    for (std::size_t i = 0; i < file.outlets.size(); ++i) {
      const auto& theirs = file.outlets[i].options.relay;
      if (mine.relay && mine.relay == theirs) {
        return error("OCKAM_RELAY", "'" + *mine.relay + "' is also the relay name of outlets[" + std::to_string(i) +
                     "] in " + at(file, file.outlets[i].line) + ": each outlet needs its own", *mine.relay + "-2",
                     exit_code::kConfig);
      }
      if (!mine.relay && !theirs) {
        return error("OCKAM_RELAY", "is not set, and outlets[" + std::to_string(i) + "] in " +
                     at(file, file.outlets[i].line) + " already takes the device's relay name: name this outlet",
                     "pg-2", exit_code::kConfig);
      }
    }
    config.outlets.push_back(mine);
  } else if (env("OCKAM_RELAY")) {
    config.warnings.push_back("OCKAM_RELAY is for OCKAM_OUT's outlet, and OCKAM_OUT is not set: ignored");
  }
  return std::nullopt;
}

// The environment alone, as before there was a file: one portal, and the inlet wins over the outlet.
std::optional<ConfigError> add_env_portal(const Environment& env, Config& config) {
  if (env("OCKAM_IN")) {
    if (env("OCKAM_OUT")) config.warnings.push_back("both OCKAM_IN and OCKAM_OUT are set: running as an inlet, OCKAM_OUT is ignored");
    auto inlet = env_inlet(env, config);
    if (auto* e = std::get_if<ConfigError>(&inlet)) return *e;
    config.inlets.push_back(std::get<node::InletOptions>(inlet));
  } else {
    auto outlet = env_outlet(env, config);
    if (auto* e = std::get_if<ConfigError>(&outlet)) return *e;
    config.outlets.push_back(std::get<node::OutletOptions>(outlet));
  }
  return std::nullopt;
}

std::variant<Config, ConfigError> load_role(const Environment& env, Config& config, const FileConfig* file) {
  if (auto e = load_node_settings(env, config, file)) return *e;
  const bool env_portal = env("OCKAM_IN") || env("OCKAM_OUT");
  const bool file_portals = file && (!file->inlets.empty() || !file->outlets.empty());
  if (!env_portal && !file_portals) {
    if (!env("OCKAM_LISTEN") && config.listen.port == 0) {
      const std::string in_file = file ? ", and " + file->name + " has no listen, inlets or outlets," : "";
      ConfigError none{"OCKAM_IN", "OCKAM_IN, OCKAM_OUT or OCKAM_LISTEN: none is set" + in_file + " so there is "
                       "nothing to do (example: OCKAM_OUT=127.0.0.1:5432 OCKAM_HUB=hub.example.com:4000)",
                       exit_code::kRole};
      none.unconfigured = true;
      return none;
    }
    if (auto e = apply_variable(env, setting("OCKAM_LISTEN"), config)) return *e;
    config.role = Role::hub;
    return config;
  }
  if (file) {
    if (auto e = apply_variable(env, setting("OCKAM_LISTEN"), config)) return *e;
    if (config.listen.port != 0) {
      const bool env_listen = env("OCKAM_LISTEN").has_value();
      const std::string hub = env_listen ? "OCKAM_LISTEN" : "listen: (" + at(*file, file->lines.at("listen")) + ")";
      const std::string portals = env_portal ? (env("OCKAM_IN") ? "OCKAM_IN" : "OCKAM_OUT")
                                             : "the inlets and outlets of " + file->name;
      return ConfigError{env_listen ? "OCKAM_LISTEN" : "OCKAM_CONFIG",
                         hub + " makes this agent a hub, which has no portals, but " + portals +
                             " adds some: run the hub and the portals as separate agents",
                         exit_code::kConfig};
    }
  }
  if (auto e = apply_variable(env, setting("OCKAM_HUB"), config)) return *e;
  if (config.hub.port == 0) {
    return unset("OCKAM_HUB", file ? "is not set, nor hub: in " + file->name : "is not set", "hub.example.com:4000",
                 exit_code::kHub);
  }
  if (auto e = file ? add_env_portals(env, config, *file) : add_env_portal(env, config)) return *e;

  const std::size_t portals = config.inlets.size() + config.outlets.size();
  config.role = portals > 1 ? Role::node : config.inlets.empty() ? Role::outlet : Role::inlet;
  if (!config.inlets.empty()) {
    config.inlet_listen = config.inlets[0].listen;
    config.forward = config.inlets[0].relay;
    config.forward_identity = config.inlets[0].relay_identity;
  }
  if (!config.outlets.empty()) {
    const node::OutletOptions& first = config.outlets[0];
    config.outlet_target = first.target;
    config.relay = first.relay;
    config.allow = first.allow;
    config.allow_is_default = first.allow_is_default;
    config.max_streams_per_peer = first.max_streams_per_peer;
  }
  return config;
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::variant<Config, ConfigError> load_config(const Environment& env) {
  Config policy;
  auto finish = [&](ConfigError e) {
    e.idle = e.unconfigured && policy.idle_when_unconfigured;
    return e;
  };
  if (auto problem = load_idle_policy(env, policy)) return finish(*problem);
  auto file = load_file(env);
  if (auto* e = std::get_if<ConfigError>(&file)) return finish(*e);
  const auto& loaded_file = std::get<std::optional<FileConfig>>(file);
  Config config = loaded_file ? loaded_file->config : Config{};
  config.idle_when_unconfigured = policy.idle_when_unconfigured;
  if (loaded_file) config.config_file = loaded_file->name;
  auto loaded = load_role(env, config, loaded_file ? &*loaded_file : nullptr);
  if (auto* problem = std::get_if<ConfigError>(&loaded)) return finish(*problem);
  return loaded;
}

}  // namespace portico::agent
