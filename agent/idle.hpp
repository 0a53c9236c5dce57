#pragma once
// An agent with nothing to run: a required variable is not set (no role, no OCKAM_HUB, no OCKAM_FORWARD, a node
// that was never enrolled and has no OCKAM_ENROLL) or OCKAM_DISABLE is on. With OCKAM_UNCONFIGURED=idle (the
// container images set it) it prints one line saying what to set and waits until stopped (SIGTERM/SIGINT: exit 0),
// so `restart: always` does not loop and the dashboard shows one line; `portico health` says "healthy: idle: …"
// (the container is doing what it was told), `portico health --ready` says it is not ready.

#include <optional>
#include <string>

#include "config.hpp"

namespace portico::agent {

// Why a node (inlet, outlet) cannot start although its variables are well formed: it has no enrollment token and
// knows no hub identity (never enrolled). Nothing for a hub or a node that can start.
std::optional<std::string> not_enrolled(const Config& config);

// Prints "portico: <reason>; idle until configured (OCKAM_UNCONFIGURED=idle)" on stderr, tells a systemd-style
// supervisor READY=1 with that status, waits for SIGTERM or SIGINT and returns 0.
int run_idle(const std::string& reason, const std::string& notify_socket);

}  // namespace portico::agent
