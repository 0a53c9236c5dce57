#include "platform/cpu/cpu_features.hpp"

namespace portico::platform {

CpuFeatures cpu_features_from_hwcaps(HwcapLayout layout, Hwcaps caps) {
  switch (layout) {
    case HwcapLayout::kAarch64:
      return {.aes = (caps.hwcap & hwcap_bits::kAarch64Aes) != 0,
              .clmul = (caps.hwcap & hwcap_bits::kAarch64Pmull) != 0};
    case HwcapLayout::kArm32:
      return {.aes = (caps.hwcap2 & hwcap_bits::kArm32Aes) != 0,
              .clmul = (caps.hwcap2 & hwcap_bits::kArm32Pmull) != 0};
  }
  return {};
}

}  // namespace portico::platform
