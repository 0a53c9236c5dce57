#pragma once
// The agent's configuration, read once from the environment and, with OCKAM_CONFIG (a YAML file) or
// OCKAM_CONFIG_YAML (its text), from a file (config_file.hpp), into a typed Config. A present-but-invalid value is
// a start-up error naming the variable or file:line:key, with an example and its own exit code; only absent values
// take defaults.
//
// Roles: OCKAM_LISTEN or listen: -> hub. Otherwise a member node (OCKAM_HUB or hub: required) with portals:
// exactly one inlet -> Role::inlet, exactly one outlet -> Role::outlet, anything more (several, or inlets and
// outlets together, only possible with a file) -> Role::node.
// Without a file: OCKAM_IN (+ OCKAM_FORWARD) -> inlet, OCKAM_OUT -> outlet, and inlet mode wins when both are set
// (with a warning), as always. With a file: OCKAM_IN+OCKAM_FORWARD and OCKAM_OUT each add one portal to the file's
// lists. A variable wins over the file's key for the same setting (OCKAM_HUB over hub:); see config_file.hpp.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channel/handshake_gate.hpp"
#include "node/options.hpp"
#include "identity/enrollment_token.hpp"
#include "transport/connection_gate.hpp"
#include "transport/endpoint.hpp"

namespace portico::agent {

// inlet, outlet: one portal, which the legacy single fields below describe too; node: several portals (or inlets and
// outlets together), only from a file: `inlets` and `outlets` list them.
enum class Role { hub, inlet, outlet, node };
enum class LogLevel { debug, info, warn, error };

struct Config {
  Role role = Role::hub;
  HostPort listen;                   // hub: OCKAM_LISTEN
  HostPort hub;                      // inlet, outlet: OCKAM_HUB
  // The member's portals: the file's inlets: and outlets:, then the one OCKAM_IN or OCKAM_OUT describe. An outlet
  // without a relay name takes the device's (see node_state.hpp); at most one may.
  std::vector<node::InletOptions> inlets;
  std::vector<node::OutletOptions> outlets;
  std::optional<std::string> config_file;  // OCKAM_CONFIG's path, or "OCKAM_CONFIG_YAML"; nothing without a file
  // legacy single portal: = inlets[0]/outlets[0]
  HostPort inlet_listen;             // inlet: OCKAM_IN
  std::string forward;               // inlet: OCKAM_FORWARD, the outlet's relay name
  HostPort outlet_target;            // outlet: OCKAM_OUT
  std::optional<std::string> relay;  // outlet: OCKAM_RELAY; else derived from the device (see node_state.hpp)
  std::optional<std::string> device_uuid;  // BALENA_DEVICE_UUID
  std::optional<std::string> service_name;  // BALENA_SERVICE_NAME: with it, the default relay name is per service
  bool idle_when_unconfigured = false;      // OCKAM_UNCONFIGURED=idle: wait instead of exiting when not configured
  std::optional<std::string> data_dir;     // OCKAM_DATA
  std::string xdg_data_home;              // XDG_DATA_HOME, HOME: the per-user data dir when there is no /data
  std::string home;
  std::string notify_socket;              // NOTIFY_SOCKET: readiness for systemd-style supervisors
  std::string platform_root = "/";        // OCKAM_PLATFORM_ROOT: where device files are read (tests, chroots)
  LogLevel log_level = LogLevel::info;
  std::optional<HostPort> metrics;        // OCKAM_METRICS: serve Prometheus text at http://host:port/metrics
  // Membership (issue: secure channels). Nodes: the token to enroll with, the hub identity to pin.
  std::optional<identity::EnrollmentToken> enroll;  // OCKAM_ENROLL
  std::optional<std::string> hub_identity;          // OCKAM_HUB_IDENTITY
  // outlet: OCKAM_ALLOW, attributes an inlet's credential needs. Unset: role=operator (kDefaultAllow), so another
  // device of the fleet reaches no outlet by default; OCKAM_ALLOW=any: any member of the hub (empty).
  // legacy single portal: = outlets[0] (while loading: the default for outlets without their own allow:)
  std::map<std::string, std::string> allow{{"role", "operator"}};
  bool allow_is_default = true;
  std::optional<std::chrono::seconds> credential_ttl;  // hub: OCKAM_CREDENTIAL_TTL, lifetime of credentials issued
  // Relay trust. Inlet: the one outlet identity accepted for OCKAM_FORWARD (else the one pinned on first use).
  // Hub: relay names one identity may hold, and how long a name whose device is not seen stays its owner's.
  std::optional<std::string> forward_identity;           // OCKAM_FORWARD_IDENTITY; legacy single portal: = inlets[0]
  std::optional<std::size_t> relay_names_per_identity;   // OCKAM_RELAY_NAMES_PER_IDENTITY
  std::optional<std::chrono::seconds> relay_keep;        // OCKAM_RELAY_KEEP
  // Resource limits (README "Limits"): hub connections, handshakes and channels per source, outlet streams per peer.
  ConnectionLimits connections{};         // OCKAM_MAX_CONNECTIONS, OCKAM_MAX_CONNECTIONS_PER_ADDRESS
  channel::HandshakeLimits handshakes{};  // OCKAM_MAX_PENDING_HANDSHAKES, OCKAM_MAX_CHANNELS_PER_LINK
  // legacy single portal: = outlets[0] (while loading: the default for outlets without their own)
  std::size_t max_streams_per_peer = 256; // OCKAM_MAX_STREAMS_PER_PEER (outlet)
  // Direct paths (docs/direct-paths.md). Hub: the rendezvous's UDP address (unset: OCKAM_LISTEN's; "off": none).
  // Members: OCKAM_P2P=off keeps every stream on the relay and asks the hub nothing.
  std::optional<HostPort> listen_udp;     // OCKAM_LISTEN_UDP
  bool listen_udp_off = false;
  bool p2p = true;                        // OCKAM_P2P
  std::vector<std::string> warnings;  // printed once logging is up
};

struct ConfigError {
  std::string variable;
  std::string message;  // one line: names the variable, says what is wrong, shows an example
  int exit_code = 0;
  // A required variable is not set at all (or OCKAM_DISABLE is on): the agent is not configured, rather than
  // configured wrongly. With OCKAM_UNCONFIGURED=idle (the container images' default) it prints the line and waits
  // until stopped instead of exiting, so a supervisor's restart policy does not loop.
  bool unconfigured = false;
  bool idle = false;
};

// Exit codes, one per variable, so scripts and supervisors can tell failures apart.
namespace exit_code {
inline constexpr int kUsage = 2;
inline constexpr int kRole = 9;  // none of OCKAM_LISTEN, OCKAM_IN, OCKAM_OUT is set
inline constexpr int kListen = 10;
inline constexpr int kHub = 11;
inline constexpr int kIn = 12;
inline constexpr int kForward = 13;
inline constexpr int kOut = 14;
inline constexpr int kRelay = 15;
inline constexpr int kData = 16;
inline constexpr int kLog = 19;
inline constexpr int kMetrics = 20;
inline constexpr int kEnroll = 21;
inline constexpr int kHubIdentity = 22;
inline constexpr int kAllow = 23;
inline constexpr int kCredentialTtl = 24;
inline constexpr int kRefused = 25;  // the hub refused this node for good (e.g. a spent token and no credential)
inline constexpr int kDisable = 26;       // OCKAM_DISABLE is not a boolean (OCKAM_DISABLE=1 itself exits 0)
inline constexpr int kUnconfigured = 27;  // OCKAM_UNCONFIGURED is not exit or idle
inline constexpr int kMaxConnections = 30;
inline constexpr int kMaxConnectionsPerAddress = 31;
inline constexpr int kMaxPendingHandshakes = 32;
inline constexpr int kMaxChannelsPerLink = 33;
inline constexpr int kMaxStreamsPerPeer = 34;
inline constexpr int kForwardIdentity = 35;
inline constexpr int kRelayNamesPerIdentity = 36;
inline constexpr int kRelayKeep = 37;
inline constexpr int kListenUdp = 39;
inline constexpr int kP2p = 40;
// OCKAM_CONFIG / OCKAM_CONFIG_YAML: unreadable, not YAML, a wrong key or value in it, or a portal of the environment
// that conflicts with one of the file's.
inline constexpr int kConfig = 38;
}  // namespace exit_code

using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

std::variant<Config, ConfigError> load_config(const Environment& env);

}  // namespace portico::agent
