#pragma once
// The fallback for any board no other adapter recognised (other ARM or RISC-V boards, containers, VMs without
// DMI). It always matches, so detect() tries it last.
//   device id  /etc/machine-id
//   model      the device-tree model when there is one (e.g. "Pine64 RockPro64 v2.1"), else "unknown"
//
// Thread safety: const methods only read files; safe from any thread.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "platform/adapter.hpp"

namespace portico::platform {

class GenericBoard {
 public:
  static constexpr std::string_view kName = "generic";

  static bool matches(const std::filesystem::path& root, std::string_view arch);

  explicit GenericBoard(std::filesystem::path root) : root_(std::move(root)) {}

  std::optional<DeviceId> device_id() const;
  std::string model() const;

 private:
  std::filesystem::path root_;
};

static_assert(PlatformAdapter<GenericBoard>);

}  // namespace portico::platform
