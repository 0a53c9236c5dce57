#pragma once
// The process metrics Prometheus clients export (process_resident_memory_bytes, process_cpu_seconds_total,
// process_start_time_seconds, process_open_fds), parsed from the text of Linux's /proc files as pure functions;
// the agent reads the files (agent/process_reader.*) and hands the text in.
//
//   /proc/self/stat   "pid (comm) state ppid ..." — field 14 utime, 15 stime (clock ticks), 22 starttime (ticks
//                     after boot), 24 rss (pages). comm may hold spaces and parentheses: fields are counted from
//                     the last ')'.
//   /proc/stat        the line "btime <seconds since the epoch>": when the machine booted.

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::metrics {

struct ProcessStats {
  std::uint64_t resident_bytes = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the epoch
  std::uint64_t open_fds = 0;
};

// From /proc/self/stat's text, the clock ticks per second (sysconf(_SC_CLK_TCK)), the page size and the boot
// time; open_fds is left 0 (it is a count of /proc/self/fd entries). Nothing when the text does not parse.
std::optional<ProcessStats> parse_proc_self_stat(std::string_view text, std::uint64_t ticks_per_second,
                                                 std::uint64_t page_size, std::uint64_t boot_time);

// The "btime" of /proc/stat's text; nothing when absent or malformed.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

}  // namespace portico::metrics
