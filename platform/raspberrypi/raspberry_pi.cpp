#include "platform/raspberrypi/raspberry_pi.hpp"

#include "platform/sources.hpp"

namespace portico::platform {
namespace {

// The Pi's serial is 16 hex digits ("00000000a1b2c3d4" on a Pi 3, "10000000..." on a Pi 4). All zeros is what
// some kernels and emulators print when they do not know it.
std::optional<DeviceId> serial(std::optional<std::string> value, std::string_view source) {
  if (!value || !is_hex(*value) || consists_of(*value, '0')) return std::nullopt;
  return DeviceId{to_lower(*value), source};
}

}  // namespace

bool RaspberryPi::matches(const std::filesystem::path& root, std::string_view /*arch*/) {
  const auto model = device_tree_value(root, "model");
  return model && model->starts_with(kModelPrefix);
}

std::optional<DeviceId> RaspberryPi::device_id() const {
  if (auto id = serial(device_tree_value(root_, "serial-number"), id_source::kDeviceTreeSerial)) return id;
  if (auto id = serial(cpuinfo_field(root_, "Serial"), id_source::kCpuinfoSerial)) return id;
  return machine_id(root_);
}

std::string RaspberryPi::model() const {
  if (auto model = device_tree_value(root_, "model")) return *model;
  if (auto model = cpuinfo_field(root_, "Model")) return *model;
  return std::string(kUnknownModel);
}

}  // namespace portico::platform
