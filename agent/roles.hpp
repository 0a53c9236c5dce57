#pragma once
// The three roles the environment chooses between. Each runs until SIGINT/SIGTERM and returns the exit code.

#include "config.hpp"

namespace portico::agent {

int run_hub(const Config& config);
int run_inlet(const Config& config);
int run_outlet(const Config& config);

}  // namespace portico::agent
