#pragma once
// The agent's commands, each a function main() dispatches to.

#include <string>

#include "config.hpp"

namespace portico::agent {

// Runs the role chosen by the environment until SIGINT/SIGTERM; returns the process exit code.
int run_from_environment();
// Sends `text` along `route` `count` times, printing each reply (with `json`: one array of
// {"reply": ..., "return_route": ...} at the end); 0 when every reply came back.
int run_send(const std::string& route, const std::string& text, int count, bool json = false);

}  // namespace portico::agent
