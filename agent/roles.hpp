#pragma once
// The three roles the environment chooses between. Each runs until SIGINT/SIGTERM and returns the exit code.

#include "config.hpp"
#include "platform/platform.hpp"

namespace portico::agent {

// `host` is logged once the role's start-up checks have passed (a configuration error prints only its line).
int run_hub(const Config& config, const platform::PlatformInfo& host);
int run_inlet(const Config& config, const platform::PlatformInfo& host);
int run_outlet(const Config& config, const platform::PlatformInfo& host);

}  // namespace portico::agent
