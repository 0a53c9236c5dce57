#include "metrics/health.hpp"

namespace portico::metrics {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string one_line(std::string line) {
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (line.size() > kMaxHealthLineBytes) line.resize(kMaxHealthLineBytes);
  return line;
}

}  // namespace

Health judge_health(const HealthInputs& in) {
  Health health;
  std::string detail;
  if (in.role == "hub") {
    health.healthy = true;
    detail = "hub listening on " + std::string(in.local) + ", " + std::to_string(in.relays) + " relay" +
             (in.relays == 1 ? "" : "s") + " registered";
  } else if (in.role == "inlet") {
    health.healthy = in.hub_link_up;
    detail = "inlet " + std::string(in.local) + " -> relay " + quoted(in.relay) + ", link to hub " +
             std::string(in.hub) + (in.hub_link_up ? " up" : " down");
  } else if (in.role == "outlet") {
    health.healthy = in.hub_link_up && in.relay_registered;
    detail = "outlet relay " + quoted(in.relay) + (in.relay_registered ? " registered" : " not registered") +
             " -> " + std::string(in.local) + ", link to hub " + std::string(in.hub) +
             (in.hub_link_up ? " up" : " down");
  } else if (in.role == "node") {
    // Several portals: ready when the hub link is up and every outlet's relay is registered.
    health.healthy = in.hub_link_up && in.relay_registered;
    detail = "node with " + std::string(in.local) + (in.relay.empty() ? "" : ", relays " + std::string(in.relay)) +
             (in.relay_registered ? " registered" : " not all registered") + ", link to hub " + std::string(in.hub) +
             (in.hub_link_up ? " up" : " down");
  } else {
    detail = "unknown role " + quoted(in.role);
  }
  health.line = one_line((health.healthy ? "healthy: " : "unhealthy: ") + detail);
  return health;
}

}  // namespace portico::metrics
