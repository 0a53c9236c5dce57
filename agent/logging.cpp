#include "logging.hpp"

#include <spdlog/spdlog.h>

namespace portico::agent {

void setup_logging(LogLevel level) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  switch (level) {
    case LogLevel::debug: spdlog::set_level(spdlog::level::debug); break;
    case LogLevel::info: spdlog::set_level(spdlog::level::info); break;
    case LogLevel::warn: spdlog::set_level(spdlog::level::warn); break;
    case LogLevel::error: spdlog::set_level(spdlog::level::err); break;
  }
}

}  // namespace portico::agent
