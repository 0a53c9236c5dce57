#include "platform/cpu/cpu_features.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "fake_tree.hpp"
#include "platform/platform.hpp"
#include "platform/sources.hpp"

namespace portico::platform {
namespace {

constexpr CpuFeatures kFast{.aes = true, .clmul = true};

TEST(Hwcaps, RaspberryPi3And4HaveNoAesHardware) {
  EXPECT_EQ(cpu_features_from_hwcaps(HwcapLayout::kArm32,
                                     {.hwcap = testing::kPi3Armv7Hwcap, .hwcap2 = testing::kPi3Armv7Hwcap2}),
            CpuFeatures{});
  EXPECT_EQ(cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = testing::kPiAarch64Hwcap}), CpuFeatures{});
}

TEST(Hwcaps, Aarch64WithTheCryptoExtension) {
  EXPECT_EQ(cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = testing::kPi5Aarch64Hwcap}), kFast);
}

TEST(Hwcaps, Arm32ProcessReadsAesFromHwcap2) {
  // A 32-bit userland on a CPU with the crypto extension: aes pmull sha1 sha2 crc32 in AT_HWCAP2.
  EXPECT_EQ(cpu_features_from_hwcaps(HwcapLayout::kArm32, {.hwcap = testing::kPi3Armv7Hwcap, .hwcap2 = 0x1f}),
            kFast);
  // The same bits in AT_HWCAP mean something else there (swp, half): no AES.
  EXPECT_EQ(cpu_features_from_hwcaps(HwcapLayout::kArm32, {.hwcap = 0x1f, .hwcap2 = 0}), CpuFeatures{});
}

TEST(Hwcaps, AesWithoutCarrylessMultiplyIsNotFast) {
  const CpuFeatures aes_only =
      cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = hwcap_bits::kAarch64Aes});
  EXPECT_TRUE(aes_only.aes);
  EXPECT_FALSE(aes_only.fast_aes());
  EXPECT_TRUE(cpu_features_from_hwcaps(HwcapLayout::kArm32,
                                       {.hwcap2 = hwcap_bits::kArm32Aes | hwcap_bits::kArm32Pmull})
                  .fast_aes());
}

TEST(Cipher, PreferenceFollowsAesHardware) {
  EXPECT_EQ(cipher_preference(false), "chacha20-poly1305");
  EXPECT_EQ(cipher_preference(true), "aes-256-gcm");
}

TEST(ThisMachine, ProbeAgreesWithTheKernel) {
  const CpuFeatures cpu = probe_cpu();
  const std::string arch(compiled_arch());
  ASSERT_FALSE(arch.empty());
  if (arch != "x86_64" && arch != "i686") GTEST_SKIP() << "checks cpuid against /proc/cpuinfo flags on x86";

  const auto flags = cpuinfo_field("/", "flags");
  ASSERT_TRUE(flags.has_value());
  std::istringstream words(*flags);
  bool aes = false;
  bool pclmulqdq = false;
  for (std::string word; words >> word;) {
    aes = aes || word == "aes";
    pclmulqdq = pclmulqdq || word == "pclmulqdq";
  }
  EXPECT_EQ(cpu.aes, aes);
  EXPECT_EQ(cpu.clmul, pclmulqdq);
}

TEST(ThisMachine, DetectReadsTheRealRoot) {
  const PlatformInfo info = detect("/", {.home = "/home/portico-test"});

  EXPECT_FALSE(info.arch.empty());
  EXPECT_FALSE(info.model.empty());
  EXPECT_EQ(info.fast_aes, probe_cpu().fast_aes());
  EXPECT_EQ(info.cipher_preference, cipher_preference(info.fast_aes));
  EXPECT_TRUE(info.data_dir == "/data/portico" || info.data_dir == "/home/portico-test/.local/share/portico");
  std::cout << summary(info) << "\n";
}

}  // namespace
}  // namespace portico::platform
