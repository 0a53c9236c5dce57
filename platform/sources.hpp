#pragma once
// Where the facts come from: device tree, DMI, /proc/cpuinfo, /etc/machine-id. Every read goes through a root
// path ("/" on a device, a temp dir in tests), so the adapters run against fake /proc, /sys and device-tree
// trees. Files are small and read whole; a value is cut at its first NUL (device-tree strings are
// NUL-terminated) and trimmed. A missing, unreadable or empty file is std::nullopt, never an exception.
//
// Thread safety: free functions without shared state.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "platform/adapter.hpp"

namespace portico::platform {

// /proc/cpuinfo on a 128-core server is ~200 KiB; nothing we read is larger.
inline constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;

// <root> + <absolute>: under("/tmp/x", "/sys/class/dmi/id") is "/tmp/x/sys/class/dmi/id".
std::filesystem::path under(const std::filesystem::path& root, std::string_view absolute);

// True when <root><absolute> is a directory.
bool directory_exists(const std::filesystem::path& root, std::string_view absolute);

// The whole file, at most kMaxFileBytes; nullopt when missing or unreadable.
std::optional<std::string> read_file(const std::filesystem::path& root, std::string_view absolute);

// The file as one value: cut at the first NUL, trimmed; nullopt when missing, unreadable or empty.
std::optional<std::string> read_value(const std::filesystem::path& root, std::string_view absolute);

// The value of the first "Key<tabs> : value" line of /proc/cpuinfo, e.g. cpuinfo_field(root, "Serial").
std::optional<std::string> cpuinfo_field(const std::filesystem::path& root, std::string_view key);

// A device-tree property: /sys/firmware/devicetree/base/<name>, else /proc/device-tree/<name> (the older path;
// a symlink to the first on current kernels).
std::optional<std::string> device_tree_value(const std::filesystem::path& root, std::string_view name);

// /etc/machine-id when it holds a real id: 32 hex digits, not "uninitialized" (first boot) and not all zeros.
std::optional<DeviceId> machine_id(const std::filesystem::path& root);

// Text helpers shared by the adapters.
std::string trim(std::string_view text);
std::string to_lower(std::string_view text);
bool is_hex(std::string_view text);
// True when every character of `text` other than those in `ignored` is `c` (and there is at least one).
bool consists_of(std::string_view text, char c, std::string_view ignored = {});

}  // namespace portico::platform
