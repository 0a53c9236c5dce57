#pragma once
// The configuration file: OCKAM_CONFIG=/path/portico.yaml, or OCKAM_CONFIG_YAML holding the same text (a balena
// fleet variable). It can describe what the environment cannot: any number of inlets and outlets in one node, each
// with its own relay name, target, policy and limits. docs/portico.example.yaml shows every key.
//
// Keys mirror the variables, snake_case without OCKAM_: hub, listen, enroll, hub_identity, data, platform_root,
// log, metrics, allow, credential_ttl, relay_names_per_identity, relay_keep; limits: {max_connections,
// max_connections_per_address, max_pending_handshakes, max_channels_per_link, max_streams_per_peer};
// inlets: [{listen, relay, relay_identity}] (OCKAM_IN, OCKAM_FORWARD, OCKAM_FORWARD_IDENTITY);
// outlets: [{relay, target, allow, max_streams_per_peer}] (OCKAM_RELAY, OCKAM_OUT, OCKAM_ALLOW, ...).
// allow is "k=v,k=v", a map {k: v}, or any. Top-level allow and limits.max_streams_per_peer are the defaults of the
// outlets that do not set their own.
//
// Checked here, each a one-line error "name:line: key: problem (example: key: value)": YAML syntax, an empty file,
// unknown keys (with a suggestion), wrong types, values (by the parsers the variables use), a missing inlet
// listen/relay or outlet target, duplicate outlet relay names, more than one outlet without a relay name (only one
// can take the device's), inlets whose listen addresses overlap, and a hub (listen:) with portals.
// How the file and the environment combine is config.cpp's part (config.hpp says the rule).

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config.hpp"

namespace portico::agent {

inline constexpr std::size_t kMaxConfigFileBytes = 1 << 20;

struct FileInlet {
  node::InletOptions options;
  int line = 0;
};

struct FileOutlet {
  node::OutletOptions options;
  bool own_allow = false;        // else the node's allow (OCKAM_ALLOW, allow:, role=operator)
  bool own_max_streams = false;  // else OCKAM_MAX_STREAMS_PER_PEER, limits.max_streams_per_peer, 256
  int line = 0;
};

struct FileConfig {
  std::string name;  // the path, or OCKAM_CONFIG_YAML
  Config config;     // the defaults, overwritten by the file's node-wide keys; no portals (they are below)
  std::vector<FileInlet> inlets;
  std::vector<FileOutlet> outlets;
  std::map<std::string, int> lines;  // top-level key -> its line, for problems found with the environment
};

// One line "name:line: key: problem (example: key: example)"; no example when it is empty.
std::string file_problem(std::string_view name, int line, std::string_view key, std::string_view problem,
                         std::string_view example = {});

// A pure function: the text and the name to show in errors. The error's exit code is exit_code::kConfig.
std::variant<FileConfig, ConfigError> parse_config_file(std::string_view text, std::string_view name);

// Reads `path` (at most kMaxConfigFileBytes) and parses it.
std::variant<FileConfig, ConfigError> read_config_file(const std::string& path);

}  // namespace portico::agent
