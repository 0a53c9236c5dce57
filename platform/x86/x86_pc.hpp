#pragma once
// x86 PCs and NUCs, and any machine with DMI (SMBIOS) tables: recognised by an x86 arch or by
// /sys/class/dmi/id existing.
//   device id  DMI product_uuid (lower-case; placeholders such as all zeros are refused), else /etc/machine-id.
//              product_uuid is readable by root only, so an unprivileged run falls back to machine-id.
//   model      DMI sys_vendor + product_name, e.g. "Intel(R) Client Systems NUC8i5BEH", leaving out the
//              firmware's placeholder strings ("To Be Filled By O.E.M.", "Default string", ...)
//
// Thread safety: const methods only read files; safe from any thread.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "platform/adapter.hpp"

namespace portico::platform {

class X86Pc {
 public:
  static constexpr std::string_view kName = "x86";

  static bool matches(const std::filesystem::path& root, std::string_view arch);

  explicit X86Pc(std::filesystem::path root) : root_(std::move(root)) {}

  std::optional<DeviceId> device_id() const;
  std::string model() const;

 private:
  std::optional<std::string> dmi(std::string_view name) const;

  std::filesystem::path root_;
};

static_assert(PlatformAdapter<X86Pc>);

// uname machine names of x86: "x86_64", "amd64", "i386" ... "i686".
bool is_x86_arch(std::string_view arch);

}  // namespace portico::platform
