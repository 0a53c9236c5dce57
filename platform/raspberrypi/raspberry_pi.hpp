#pragma once
// Raspberry Pi (any model, 32- or 64-bit OS): recognised by its device-tree model, "Raspberry Pi ...".
//   device id  the SoC serial: device-tree serial-number, else the "Serial" line of /proc/cpuinfo (older
//              kernels have only that one), else /etc/machine-id
//   model      device-tree model, e.g. "Raspberry Pi 4 Model B Rev 1.4", else cpuinfo's "Model" line
//
// Thread safety: const methods only read files; safe from any thread.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "platform/adapter.hpp"

namespace portico::platform {

class RaspberryPi {
 public:
  static constexpr std::string_view kName = "raspberrypi";
  static constexpr std::string_view kModelPrefix = "Raspberry Pi";

  static bool matches(const std::filesystem::path& root, std::string_view arch);

  explicit RaspberryPi(std::filesystem::path root) : root_(std::move(root)) {}

  std::optional<DeviceId> device_id() const;
  std::string model() const;

 private:
  std::filesystem::path root_;
};

static_assert(PlatformAdapter<RaspberryPi>);

}  // namespace portico::platform
