#pragma once
#include "config.hpp"

namespace portico::agent {
// One line per event, to stdout (balena keeps both streams): "2026-11-25T19:30:00.123 info  message".
void setup_logging(LogLevel level);
}  // namespace portico::agent
