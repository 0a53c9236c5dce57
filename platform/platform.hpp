#pragma once
// The platform layer's one interface: what this device is and how the agent talks to its service manager.
//
//   PlatformInputs inputs{.balena_device_uuid = ..., .xdg_data_home = ..., .home = ...};  // env values, from main
//   PlatformInfo info = detect("/", inputs);     // picks raspberrypi, x86 or generic, reads everything once
//   log(summary(info));                          // "platform: Raspberry Pi 4 Model B Rev 1.4, aarch64, ..."
//   Notifier notifier(notify_socket);            // NOTIFY_SOCKET's value; notifier.ready() once serving
//
// The answers are plain values (PlatformInfo), so the rest of the agent never sees an adapter type: the adapter
// is chosen at start and its answers copied out. Every file is read under `root`, so tests point detect() at a
// fake tree; the CPU and uname can be overridden in PlatformInputs for the same reason. Nothing here reads the
// environment: the agent passes the values in.
//
// Thread safety: free functions without shared state.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "platform/adapter.hpp"
#include "platform/cpu/cpu_features.hpp"
#include "platform/notifier.hpp"

namespace portico::platform {

inline constexpr std::string_view kCipherChaCha20Poly1305 = "chacha20-poly1305";
inline constexpr std::string_view kCipherAes256Gcm = "aes-256-gcm";

// Values from outside the file tree. Empty strings mean "not set".
// (Every member has an initializer so that designated initialisers may leave any out without GCC 12's
// -Wmissing-field-initializers.)
struct PlatformInputs {
  std::string balena_device_uuid{};      // BALENA_DEVICE_UUID: when set, the device id on every board
  std::string xdg_data_home{};           // XDG_DATA_HOME: ignored unless absolute, as the XDG spec says
  std::string home{};                    // HOME
  std::optional<std::string> machine{};  // uname's machine ("armv7l", "aarch64", "x86_64"); nullopt: ask uname
  std::optional<CpuFeatures> cpu{};      // nullopt: probe this CPU
};

struct PlatformInfo {
  std::string adapter;           // "raspberrypi", "x86" or "generic"
  std::string device_id;         // empty when no source had one
  std::string device_id_source;  // one of id_source::*, empty with an empty device_id
  std::string model;             // "unknown" when the board does not say
  std::string arch;              // uname machine of the running kernel, e.g. "armv7l", "aarch64", "x86_64"
  bool fast_aes = false;         // AES + carry-less multiply in hardware, for this process
  std::string cipher_preference;  // kCipherAes256Gcm with fast AES, else kCipherChaCha20Poly1305
  std::filesystem::path data_dir;

  friend bool operator==(const PlatformInfo&, const PlatformInfo&) = default;
};

// Chooses the first adapter that matches, in order: RaspberryPi, X86Pc, GenericBoard.
PlatformInfo detect(const std::filesystem::path& root, const PlatformInputs& inputs);

// "platform: <model>, <arch>, AES hardware yes|no, cipher <pref>, data dir <dir>"
std::string summary(const PlatformInfo& info);

std::string_view cipher_preference(bool fast_aes);

// <root>/data/portico when <root>/data exists (balena's persistent volume), else $XDG_DATA_HOME/portico, else
// $HOME/.local/share/portico, else <root>/var/lib/portico (a daemon with no HOME at all).
std::filesystem::path default_data_dir(const std::filesystem::path& root, const PlatformInputs& inputs);

// inputs.machine, else uname's machine, else compiled_arch().
std::string resolve_arch(const PlatformInputs& inputs);

// inputs.balena_device_uuid, trimmed, when it is set.
std::optional<DeviceId> balena_device_id(const PlatformInputs& inputs);

// The PlatformInfo for a board whose adapter gave `device_id` and `model`; the rest comes from the inputs.
PlatformInfo describe(std::string_view adapter, std::optional<DeviceId> device_id, std::string model,
                      const std::filesystem::path& root, const PlatformInputs& inputs);

// The PlatformInfo one adapter gives; detect() calls it with the adapter it chose, tests with any adapter.
template <PlatformAdapter Adapter>
PlatformInfo describe(const Adapter& adapter, const std::filesystem::path& root, const PlatformInputs& inputs) {
  std::optional<DeviceId> device_id = balena_device_id(inputs);
  if (!device_id) device_id = adapter.device_id();
  return describe(Adapter::kName, std::move(device_id), adapter.model(), root, inputs);
}

}  // namespace portico::platform
