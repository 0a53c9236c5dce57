// The CPU probe for 64-bit ARM targets (chosen by platform/CMakeLists.txt): the kernel's hwcaps, AArch64 layout.
#if !defined(__aarch64__)
#error "probe_aarch64.cpp is for aarch64 targets; platform/CMakeLists.txt chose the wrong probe"
#endif

#include <sys/auxv.h>

#include "platform/cpu/cpu_features.hpp"

namespace portico::platform {

CpuFeatures probe_cpu() {
  return cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = getauxval(AT_HWCAP), .hwcap2 = getauxval(AT_HWCAP2)});
}

std::string_view compiled_arch() { return "aarch64"; }

}  // namespace portico::platform
