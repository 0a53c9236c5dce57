#pragma once
// The agent's configuration, read once from the environment into a typed Config. A present-but-invalid value is
// a start-up error naming the variable, with an example and its own exit code; only absent values take defaults.
//
// Roles: OCKAM_LISTEN -> hub; OCKAM_IN (+ OCKAM_FORWARD, OCKAM_HUB) -> inlet; OCKAM_OUT (+ OCKAM_HUB) -> outlet.
// Inlet mode wins when both OCKAM_IN and OCKAM_OUT are set (with a warning).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "transport/endpoint.hpp"

namespace portico::agent {

enum class Role { hub, inlet, outlet };
enum class LogLevel { debug, info, warn, error };

struct Config {
  Role role = Role::hub;
  HostPort listen;                   // hub: OCKAM_LISTEN
  HostPort hub;                      // inlet, outlet: OCKAM_HUB
  HostPort inlet_listen;             // inlet: OCKAM_IN
  std::string forward;               // inlet: OCKAM_FORWARD, the outlet's relay name
  HostPort outlet_target;            // outlet: OCKAM_OUT
  std::optional<std::string> relay;  // outlet: OCKAM_RELAY; else derived from the device (see node_state.hpp)
  std::optional<std::string> device_uuid;  // BALENA_DEVICE_UUID
  std::optional<std::string> data_dir;     // OCKAM_DATA
  std::string xdg_data_home;              // XDG_DATA_HOME, HOME: the per-user data dir when there is no /data
  std::string home;
  std::string notify_socket;              // NOTIFY_SOCKET: readiness for systemd-style supervisors
  std::string platform_root = "/";        // OCKAM_PLATFORM_ROOT: where device files are read (tests, chroots)
  LogLevel log_level = LogLevel::info;
  std::optional<HostPort> metrics;        // OCKAM_METRICS: serve Prometheus text at http://host:port/metrics
  std::vector<std::string> warnings;  // printed once logging is up
};

struct ConfigError {
  std::string variable;
  std::string message;  // one line: names the variable, says what is wrong, shows an example
  int exit_code = 0;
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
}  // namespace exit_code

using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

std::variant<Config, ConfigError> load_config(const Environment& env);

}  // namespace portico::agent
