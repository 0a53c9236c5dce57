#include "platform/sources.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>

namespace portico::platform {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::size_t kMachineIdDigits = 32;  // machine-id(5): 32 lower-case hex characters

}  // namespace

std::filesystem::path under(const std::filesystem::path& root, std::string_view absolute) {
  return root / std::filesystem::path(absolute).relative_path();
}

bool directory_exists(const std::filesystem::path& root, std::string_view absolute) {
  std::error_code error;
  return std::filesystem::is_directory(under(root, absolute), error);
}

std::optional<std::string> read_file(const std::filesystem::path& root, std::string_view absolute) {
  // /proc and /sys files report a size of 0 or 4096 whatever they hold, so read until end of file.
  const int fd = ::open(under(root, absolute).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while (text.size() < kMaxFileBytes && ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (n < 0) return std::nullopt;  // e.g. EACCES on read, as product_uuid gives a non-root user
  if (text.size() > kMaxFileBytes) text.resize(kMaxFileBytes);
  return text;
}

std::optional<std::string> read_value(const std::filesystem::path& root, std::string_view absolute) {
  auto text = read_file(root, absolute);
  if (!text) return std::nullopt;
  std::string_view view(*text);
  view = view.substr(0, view.find('\0'));
  std::string value = trim(view);
  if (value.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> cpuinfo_field(const std::filesystem::path& root, std::string_view key) {
  auto text = read_file(root, "/proc/cpuinfo");
  if (!text) return std::nullopt;
  std::string_view rest(*text);
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || trim(line.substr(0, colon)) != key) continue;
    std::string value = trim(line.substr(colon + 1));
    if (value.empty()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::optional<std::string> device_tree_value(const std::filesystem::path& root, std::string_view name) {
  for (std::string_view dir : {"/sys/firmware/devicetree/base/", "/proc/device-tree/"}) {
    std::string path(dir);
    path.append(name);
    if (auto value = read_value(root, path)) return value;
  }
  return std::nullopt;
}

std::optional<DeviceId> machine_id(const std::filesystem::path& root) {
  auto value = read_value(root, "/etc/machine-id");
  if (!value || value->size() != kMachineIdDigits || !is_hex(*value) || consists_of(*value, '0')) {
    return std::nullopt;
  }
  return DeviceId{to_lower(*value), id_source::kMachineId};
}

std::string trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kWhitespace);
  return std::string(text.substr(first, last - first + 1));
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return lower;
}

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool consists_of(std::string_view text, char c, std::string_view ignored) {
  bool seen = false;
  for (char each : text) {
    if (ignored.find(each) != std::string_view::npos) continue;
    if (std::tolower(static_cast<unsigned char>(each)) != std::tolower(static_cast<unsigned char>(c))) return false;
    seen = true;
  }
  return seen;
}

}  // namespace portico::platform
