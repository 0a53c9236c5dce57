#pragma once
// Whether a running agent is healthy, as one line, from plain values (pure; the agent's status socket serves it
// and `portico health` prints it):
//   hub     healthy while it runs (it answers only once it listens)
//   inlet   healthy while its link to the hub is up
//   outlet  healthy while its link to the hub is up and the hub has confirmed its relay registration
// Lines start with "healthy: " or "unhealthy: " and never contain a newline.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico::metrics {

// The longest line health_line() makes from inputs within the agent's limits (host names, relay names).
inline constexpr std::size_t kMaxHealthLineBytes = 1024;

struct HealthInputs {
  std::string_view role;      // "hub", "inlet" or "outlet"
  std::string_view local;     // hub: its listen address; inlet: its OCKAM_IN; outlet: its OCKAM_OUT target
  std::string_view hub{};     // inlet, outlet: the hub's host:port
  bool hub_link_up = false;
  std::string_view relay{};   // inlet: the relay it forwards to; outlet: the relay it registers
  bool relay_registered = false;
  std::uint64_t relays = 0;   // hub: relay names registered
};

struct Health {
  bool healthy = false;
  std::string line;
};

Health judge_health(const HealthInputs& in);

}  // namespace portico::metrics
