#include "process_reader.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace portico::agent {
namespace {

// /proc files report a size of 0: read them to the end, bounded (both are a few hundred bytes to a few KiB).
std::optional<std::string> read_small(const char* path) {
  constexpr std::size_t kMaxBytes = 64 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

std::optional<metrics::ProcessStats> read_process_stats() {
  const auto stat = read_small("/proc/self/stat");
  const auto machine = read_small("/proc/stat");
  if (!stat || !machine) return std::nullopt;
  const auto boot = metrics::parse_boot_time(*machine);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (!boot || ticks <= 0 || page <= 0) return std::nullopt;
  auto stats = metrics::parse_proc_self_stat(*stat, static_cast<std::uint64_t>(ticks), static_cast<std::uint64_t>(page),
                                             *boot);
  if (!stats) return std::nullopt;
  std::error_code ec;
  std::uint64_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++fds;
  }
  // The directory iterator's own descriptor is counted too, as the Prometheus clients count it.
  stats->open_fds = fds;
  return stats;
}

}  // namespace portico::agent
