#include "platform/platform.hpp"

#include <sys/utsname.h>

#include "platform/generic/generic_board.hpp"
#include "platform/raspberrypi/raspberry_pi.hpp"
#include "platform/sources.hpp"
#include "platform/x86/x86_pc.hpp"

namespace portico::platform {
namespace {

constexpr std::string_view kDataDirName = "portico";

}  // namespace

std::optional<DeviceId> balena_device_id(const PlatformInputs& inputs) {
  std::string value = trim(inputs.balena_device_uuid);
  if (value.empty()) return std::nullopt;
  return DeviceId{std::move(value), id_source::kBalena};
}

std::string_view cipher_preference(bool fast_aes) { return fast_aes ? kCipherAes256Gcm : kCipherChaCha20Poly1305; }

std::filesystem::path default_data_dir(const std::filesystem::path& root, const PlatformInputs& inputs) {
  if (directory_exists(root, "/data")) return under(root, "/data") / kDataDirName;
  const std::filesystem::path xdg(inputs.xdg_data_home);
  if (xdg.is_absolute()) return xdg / kDataDirName;
  const std::filesystem::path home(inputs.home);
  if (home.is_absolute()) return home / ".local" / "share" / kDataDirName;
  return under(root, "/var/lib") / kDataDirName;
}

std::string resolve_arch(const PlatformInputs& inputs) {
  if (inputs.machine && !inputs.machine->empty()) return *inputs.machine;
  utsname names{};
  if (::uname(&names) == 0 && names.machine[0] != '\0') return names.machine;
  return std::string(compiled_arch());
}

PlatformInfo describe(std::string_view adapter, std::optional<DeviceId> device_id, std::string model,
                      const std::filesystem::path& root, const PlatformInputs& inputs) {
  const CpuFeatures cpu = inputs.cpu ? *inputs.cpu : probe_cpu();
  PlatformInfo info;
  info.adapter = adapter;
  if (device_id) {
    info.device_id = std::move(device_id->value);
    info.device_id_source = device_id->source;
  }
  info.model = model.empty() ? std::string(kUnknownModel) : std::move(model);
  info.arch = resolve_arch(inputs);
  info.fast_aes = cpu.fast_aes();
  info.cipher_preference = cipher_preference(info.fast_aes);
  info.data_dir = default_data_dir(root, inputs);
  return info;
}

PlatformInfo detect(const std::filesystem::path& root, const PlatformInputs& inputs) {
  PlatformInputs resolved = inputs;
  resolved.machine = resolve_arch(inputs);  // ask uname once, for matching and for the answer
  if (RaspberryPi::matches(root, *resolved.machine)) return describe(RaspberryPi(root), root, resolved);
  if (X86Pc::matches(root, *resolved.machine)) return describe(X86Pc(root), root, resolved);
  return describe(GenericBoard(root), root, resolved);
}

std::string summary(const PlatformInfo& info) {
  std::string line = "platform: ";
  line.append(info.model)
      .append(", ")
      .append(info.arch)
      .append(", AES hardware ")
      .append(info.fast_aes ? "yes" : "no")
      .append(", cipher ")
      .append(info.cipher_preference)
      .append(", data dir ")
      .append(info.data_dir.string());
  return line;
}

}  // namespace portico::platform
