#include "metrics/process.hpp"

#include <algorithm>
#include <charconv>

namespace portico::metrics {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The next space-separated field of `text`, removed from it.
std::string_view next_field(std::string_view& text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const std::size_t end = std::min(text.find_first_of(" \n"), text.size());
  const std::string_view field = text.substr(0, end);
  text.remove_prefix(end);
  return field;
}

}  // namespace

std::optional<ProcessStats> parse_proc_self_stat(std::string_view text, std::uint64_t ticks_per_second,
                                                 std::uint64_t page_size, std::uint64_t boot_time) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || ticks_per_second == 0) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  // Fields after comm start at 3 (state).
  std::optional<std::uint64_t> utime, stime, starttime, rss;
  for (int field = 3; field <= 24; ++field) {
    const std::string_view value = next_field(rest);
    if (value.empty()) return std::nullopt;
    if (field == 14) utime = number(value);
    if (field == 15) stime = number(value);
    if (field == 22) starttime = number(value);
    if (field == 24) rss = number(value);
  }
  if (!utime || !stime || !starttime || !rss) return std::nullopt;
  const double ticks = static_cast<double>(ticks_per_second);
  return ProcessStats{
      .resident_bytes = *rss * page_size,
      .cpu_seconds = static_cast<double>(*utime + *stime) / ticks,
      .start_time_seconds = static_cast<double>(boot_time) + static_cast<double>(*starttime) / ticks,
  };
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  for (std::size_t at = 0; at < proc_stat.size();) {
    const std::size_t end = std::min(proc_stat.find('\n', at), proc_stat.size());
    const std::string_view line = proc_stat.substr(at, end - at);
    if (line.starts_with("btime ")) return number(line.substr(6));
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace portico::metrics
