#pragma once
// The three roles the environment chooses between. Each runs until SIGINT/SIGTERM and returns the exit code.

#include "config.hpp"
#include "platform/platform.hpp"

namespace portico::agent {

// `host` is logged once the role's start-up checks have passed (a configuration error prints only its line).
int run_hub(const Config& config, const platform::PlatformInfo& host);
// Inlets and outlets: one node, one hub link shared by every portal in config.inlets and config.outlets.
int run_member(const Config& config, const platform::PlatformInfo& host);

}  // namespace portico::agent
