#pragma once
// Does this CPU have fast AES? AES-GCM is fast only with both AES round instructions and a carry-less multiply
// for GHASH: AES-NI + PCLMULQDQ on x86, the ARMv8 AES + PMULL instructions on ARM. Without them AES-GCM is
// slow and leaks timing, so ChaCha20-Poly1305 is preferred; neither the Pi 3 (Cortex-A53 in BCM2837) nor the
// Pi 4 (Cortex-A72 in BCM2711) has the ARMv8 crypto extension.
//
// The probe that asks the CPU is chosen by CMake for the target (cpuid on x86, getauxval on ARM, nothing
// elsewhere): exactly one of probe_x86.cpp, probe_aarch64.cpp, probe_arm32.cpp, probe_other.cpp is compiled.
// Decoding hwcap bits is pure and compiled everywhere, so it is tested on any machine.
//
// Thread safety: free functions without shared state.

#include <cstdint>
#include <string_view>

namespace portico::platform {

struct CpuFeatures {
  bool aes = false;    // AES-NI (x86) or ARMv8 AES
  bool clmul = false;  // PCLMULQDQ (x86) or PMULL (ARM): carry-less multiply for GHASH

  bool fast_aes() const { return aes && clmul; }
  friend bool operator==(const CpuFeatures&, const CpuFeatures&) = default;
};

// How the kernel lays out AT_HWCAP / AT_HWCAP2 for a process. It follows the process's ABI, not the kernel's:
// a 32-bit userland on a 64-bit kernel (Raspberry Pi OS armhf on a Pi 4, a balena armv7hf image on an aarch64
// host OS) gets the 32-bit layout, with AES and PMULL in AT_HWCAP2.
enum class HwcapLayout { kAarch64, kArm32 };

struct Hwcaps {
  std::uint64_t hwcap = 0;   // getauxval(AT_HWCAP)
  std::uint64_t hwcap2 = 0;  // getauxval(AT_HWCAP2)
};

// The kernel's bit numbers, so this compiles on any host (x86's <asm/hwcap.h> has none of them).
namespace hwcap_bits {
// arch/arm64/include/uapi/asm/hwcap.h, AT_HWCAP
inline constexpr std::uint64_t kAarch64Aes = std::uint64_t{1} << 3;    // HWCAP_AES
inline constexpr std::uint64_t kAarch64Pmull = std::uint64_t{1} << 4;  // HWCAP_PMULL
// arch/arm/include/uapi/asm/hwcap.h, AT_HWCAP2
inline constexpr std::uint64_t kArm32Aes = std::uint64_t{1} << 0;    // HWCAP2_AES
inline constexpr std::uint64_t kArm32Pmull = std::uint64_t{1} << 1;  // HWCAP2_PMULL
}  // namespace hwcap_bits

CpuFeatures cpu_features_from_hwcaps(HwcapLayout layout, Hwcaps caps);

// Asks the CPU this process runs on.
CpuFeatures probe_cpu();

// The ABI this binary was built for: "x86_64", "i686", "aarch64", "arm", else CMake's processor name. Used as
// the arch when uname cannot answer.
std::string_view compiled_arch();

}  // namespace portico::platform
