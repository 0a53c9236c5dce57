// The CPU probe for 32-bit ARM targets (chosen by platform/CMakeLists.txt): the kernel's hwcaps, 32-bit layout,
// which a 32-bit process also gets on a 64-bit kernel.
#if !defined(__arm__)
#error "probe_arm32.cpp is for 32-bit ARM targets; platform/CMakeLists.txt chose the wrong probe"
#endif

#include <sys/auxv.h>

#include "platform/cpu/cpu_features.hpp"

namespace portico::platform {

CpuFeatures probe_cpu() {
  return cpu_features_from_hwcaps(HwcapLayout::kArm32, {.hwcap = getauxval(AT_HWCAP), .hwcap2 = getauxval(AT_HWCAP2)});
}

std::string_view compiled_arch() { return "arm"; }

}  // namespace portico::platform
