#pragma once
// FakeTree: a throwaway root directory holding the few /proc, /sys and /etc files a board would have, so the
// platform adapters can be tested on any machine. Removed with everything in it when the FakeTree goes.
// The boards below are written from real devices' files (values changed where they identify one).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace portico::platform::testing {

class FakeTree {
 public:
  FakeTree() {
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "portico-platform-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::system_category(), "mkdtemp");
    root_ = pattern;
  }
  FakeTree(const FakeTree&) = delete;
  FakeTree& operator=(const FakeTree&) = delete;
  ~FakeTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  const std::filesystem::path& root() const { return root_; }

  // Writes <root><absolute>, creating its folders. `content` may hold NUL bytes (device-tree strings do).
  FakeTree& file(std::string_view absolute, std::string_view content) {
    const std::filesystem::path path = root_ / std::filesystem::path(absolute).relative_path();
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    return *this;
  }
  FakeTree& dir(std::string_view absolute) {
    std::filesystem::create_directories(root_ / std::filesystem::path(absolute).relative_path());
    return *this;
  }

 private:
  std::filesystem::path root_;
};

using namespace std::string_view_literals;  // "...\0"sv keeps the NUL a device-tree string ends with

inline constexpr std::string_view kMachineId = "3d1219c7c4c5404aaa1f6d2a48adfda4\n";

// /proc/cpuinfo of a Pi 3 Model B+ (BCM2837B0, Cortex-A53), two of its four cores, 32-bit Raspberry Pi OS.
inline constexpr std::string_view kPi3CpuinfoArmv7 =
    "processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\n"
    "Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32\n"
    "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
    "processor\t: 1\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\n"
    "Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32\n"
    "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
    "Hardware\t: BCM2835\nRevision\t: a020d3\nSerial\t\t: 00000000a1b2c3d4\n"
    "Model\t\t: Raspberry Pi 3 Model B Plus Rev 1.3\n";

// The same Pi 3 Model B+ running 64-bit Raspberry Pi OS.
inline constexpr std::string_view kPi3CpuinfoAarch64 =
    "processor\t: 0\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n"
    "CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
    "processor\t: 1\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n"
    "CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
    "Hardware\t: BCM2835\nRevision\t: a020d3\nSerial\t\t: 00000000a1b2c3d4\n"
    "Model\t\t: Raspberry Pi 3 Model B Plus Rev 1.3\n";

// Hardware capabilities the kernel gives these boards (neither has AES nor PMULL).
inline constexpr std::uint64_t kPi3Armv7Hwcap = 0x3fb0d6;   // half thumb fastmult vfp edsp neon ... evtstrm
inline constexpr std::uint64_t kPi3Armv7Hwcap2 = 0x10;      // crc32
inline constexpr std::uint64_t kPiAarch64Hwcap = 0x887;     // fp asimd evtstrm crc32 cpuid (Pi 3 and Pi 4)
inline constexpr std::uint64_t kPi5Aarch64Hwcap = 0x119fff;  // Cortex-A76: ... aes pmull sha1 sha2 ...

inline constexpr std::string_view kPi3Model = "Raspberry Pi 3 Model B Plus Rev 1.3\0"sv;
inline constexpr std::string_view kPi4Model = "Raspberry Pi 4 Model B Rev 1.4\0"sv;
inline constexpr std::string_view kPi4Serial = "10000000f3e2d1c0\0"sv;

// Pi 3 B+, 32-bit OS: an older kernel with /proc/device-tree only and no serial-number property, so the serial
// comes from cpuinfo.
inline void make_pi3_armv7(FakeTree& tree) {
  tree.file("/proc/device-tree/model", kPi3Model)
      .file("/proc/cpuinfo", kPi3CpuinfoArmv7)
      .file("/etc/machine-id", kMachineId)
      .dir("/data");  // balenaOS mounts the persistent volume here
}

// Pi 3 B+, 64-bit OS.
inline void make_pi3_aarch64(FakeTree& tree) {
  tree.file("/sys/firmware/devicetree/base/model", kPi3Model)
      .file("/proc/cpuinfo", kPi3CpuinfoAarch64)
      .file("/etc/machine-id", kMachineId);
}

// Pi 4 Model B, 64-bit OS: the serial comes from the device tree (cpuinfo on this kernel has no Serial line).
inline void make_pi4(FakeTree& tree) {
  tree.file("/sys/firmware/devicetree/base/model", kPi4Model)
      .file("/sys/firmware/devicetree/base/serial-number", kPi4Serial)
      .file("/proc/cpuinfo",
            "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
            "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\n"
            "CPU revision\t: 3\n\n")
      .file("/etc/machine-id", kMachineId)
      .dir("/data");
}

// Intel NUC 8 (i5-8259U: AES-NI and PCLMULQDQ).
inline void make_nuc(FakeTree& tree) {
  tree.file("/sys/class/dmi/id/sys_vendor", "Intel(R) Client Systems\n")
      .file("/sys/class/dmi/id/product_name", "NUC8i5BEH\n")
      .file("/sys/class/dmi/id/product_uuid", "6b1f0c2e-94a7-4d3b-8e51-0a2c9d7f4e13\n")
      .file("/proc/cpuinfo",
            "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i5-8259U CPU @ 2.30GHz\n"
            "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi "
            "mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc pclmulqdq ssse3 fma cx16 "
            "sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand\n\n")
      .file("/etc/machine-id", kMachineId);
}

// A board nobody recognises: only /etc/machine-id.
inline void make_unknown_board(FakeTree& tree) { tree.file("/etc/machine-id", kMachineId); }

}  // namespace portico::platform::testing
