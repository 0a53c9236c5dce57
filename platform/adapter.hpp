#pragma once
// What one platform adapter is: a type that recognises its board from files under a root path and answers the
// two questions that differ between boards, the device's stable id and its model name. Everything else (arch,
// AES hardware, cipher, data dir) is the same on every board and is worked out once in platform.cpp.
//
// One folder per adapter: raspberrypi/, x86/, generic/ (the fallback). Each header ends with
// static_assert(PlatformAdapter<...>), so an adapter that drifts from this shape fails where it is written.

#include <concepts>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace portico::platform {

// Where a device id came from; each value names the source a person would look at to check it.
namespace id_source {
inline constexpr std::string_view kBalena = "BALENA_DEVICE_UUID";
inline constexpr std::string_view kDeviceTreeSerial = "device-tree serial-number";
inline constexpr std::string_view kCpuinfoSerial = "cpuinfo Serial";
inline constexpr std::string_view kDmiProductUuid = "DMI product_uuid";
inline constexpr std::string_view kMachineId = "machine-id";
}  // namespace id_source

struct DeviceId {
  std::string value;
  std::string_view source;  // one of id_source::*

  friend bool operator==(const DeviceId&, const DeviceId&) = default;
};

// An adapter is built from the root it reads under ("/" on a device, a fake tree in tests).
//   T::kName                name of the adapter and its folder: "raspberrypi", "x86", "generic"
//   T::matches(root, arch)  is this the board? (arch is uname's machine, e.g. "armv7l", "x86_64")
//   adapter.device_id()     the board's own stable id, or nullopt when it has none
//   adapter.model()         e.g. "Raspberry Pi 4 Model B Rev 1.4"; "unknown" when the board does not say
template <class T>
concept PlatformAdapter =
    std::constructible_from<T, std::filesystem::path> &&
    requires(const T& adapter, const std::filesystem::path& root, std::string_view arch) {
      { T::kName } -> std::convertible_to<std::string_view>;
      { T::matches(root, arch) } -> std::same_as<bool>;
      { adapter.device_id() } -> std::same_as<std::optional<DeviceId>>;
      { adapter.model() } -> std::same_as<std::string>;
    };

inline constexpr std::string_view kUnknownModel = "unknown";

}  // namespace portico::platform
