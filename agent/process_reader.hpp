#pragma once
// Reads this process's figures for the process_* metrics from /proc/self (Linux); the parsing is
// core/metrics/process.hpp. Nothing when /proc is not mounted or unreadable (the metrics are then left out).

#include <optional>

#include "metrics/process.hpp"

namespace portico::agent {

std::optional<metrics::ProcessStats> read_process_stats();

}  // namespace portico::agent
