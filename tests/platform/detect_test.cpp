#include "platform/platform.hpp"

#include <gtest/gtest.h>

#include "fake_tree.hpp"
#include "platform/generic/generic_board.hpp"
#include "platform/raspberrypi/raspberry_pi.hpp"
#include "platform/x86/x86_pc.hpp"

namespace portico::platform {
namespace {

using testing::FakeTree;
using namespace std::string_view_literals;

const CpuFeatures kNoAes{};
const CpuFeatures kAesNi{.aes = true, .clmul = true};

TEST(Detect, Pi3BPlusWith32BitOs) {
  FakeTree tree;
  testing::make_pi3_armv7(tree);
  const CpuFeatures cpu = cpu_features_from_hwcaps(
      HwcapLayout::kArm32, {.hwcap = testing::kPi3Armv7Hwcap, .hwcap2 = testing::kPi3Armv7Hwcap2});

  const PlatformInfo info = detect(tree.root(), {.home = "/home/pi", .machine = "armv7l", .cpu = cpu});

  EXPECT_EQ(info.adapter, "raspberrypi");
  EXPECT_EQ(info.model, "Raspberry Pi 3 Model B Plus Rev 1.3");
  EXPECT_EQ(info.device_id, "00000000a1b2c3d4");
  EXPECT_EQ(info.device_id_source, id_source::kCpuinfoSerial);
  EXPECT_EQ(info.arch, "armv7l");
  EXPECT_FALSE(info.fast_aes);
  EXPECT_EQ(info.cipher_preference, "chacha20-poly1305");
  EXPECT_EQ(info.data_dir, tree.root() / "data" / "portico");
}

TEST(Detect, Pi3BPlusWith64BitOs) {
  FakeTree tree;
  testing::make_pi3_aarch64(tree);
  const CpuFeatures cpu = cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = testing::kPiAarch64Hwcap});

  const PlatformInfo info = detect(tree.root(), {.home = "/home/pi", .machine = "aarch64", .cpu = cpu});

  EXPECT_EQ(info.adapter, "raspberrypi");
  EXPECT_EQ(info.model, "Raspberry Pi 3 Model B Plus Rev 1.3");
  EXPECT_EQ(info.device_id, "00000000a1b2c3d4");  // the same board gives the same id whatever OS it runs
  EXPECT_EQ(info.device_id_source, id_source::kCpuinfoSerial);
  EXPECT_EQ(info.arch, "aarch64");
  EXPECT_FALSE(info.fast_aes);
  EXPECT_EQ(info.cipher_preference, "chacha20-poly1305");
  EXPECT_EQ(info.data_dir, "/home/pi/.local/share/portico");  // no /data on this tree
}

TEST(Detect, Pi4TakesTheSerialFromTheDeviceTree) {
  FakeTree tree;
  testing::make_pi4(tree);
  const CpuFeatures cpu = cpu_features_from_hwcaps(HwcapLayout::kAarch64, {.hwcap = testing::kPiAarch64Hwcap});

  const PlatformInfo info = detect(tree.root(), {.machine = "aarch64", .cpu = cpu});

  EXPECT_EQ(info.adapter, "raspberrypi");
  EXPECT_EQ(info.model, "Raspberry Pi 4 Model B Rev 1.4");
  EXPECT_EQ(info.device_id, "10000000f3e2d1c0");
  EXPECT_EQ(info.device_id_source, id_source::kDeviceTreeSerial);
  EXPECT_FALSE(info.fast_aes);
  EXPECT_EQ(info.cipher_preference, "chacha20-poly1305");
}

TEST(Detect, NucHasAesHardwareAndPrefersAesGcm) {
  FakeTree tree;
  testing::make_nuc(tree);

  const PlatformInfo info = detect(tree.root(), {.home = "/home/op", .machine = "x86_64", .cpu = kAesNi});

  EXPECT_EQ(info.adapter, "x86");
  EXPECT_EQ(info.model, "Intel(R) Client Systems NUC8i5BEH");
  EXPECT_EQ(info.device_id, "6b1f0c2e-94a7-4d3b-8e51-0a2c9d7f4e13");
  EXPECT_EQ(info.device_id_source, id_source::kDmiProductUuid);
  EXPECT_EQ(info.arch, "x86_64");
  EXPECT_TRUE(info.fast_aes);
  EXPECT_EQ(info.cipher_preference, "aes-256-gcm");
  EXPECT_EQ(info.data_dir, "/home/op/.local/share/portico");
}

TEST(Detect, UnknownBoardFallsBackToGeneric) {
  FakeTree tree;
  testing::make_unknown_board(tree);

  const PlatformInfo info = detect(tree.root(), {.home = "/root", .machine = "riscv64", .cpu = kNoAes});

  EXPECT_EQ(info.adapter, "generic");
  EXPECT_EQ(info.model, "unknown");
  EXPECT_EQ(info.device_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
  EXPECT_EQ(info.device_id_source, id_source::kMachineId);
  EXPECT_EQ(info.arch, "riscv64");
  EXPECT_FALSE(info.fast_aes);
  EXPECT_EQ(info.cipher_preference, "chacha20-poly1305");
}

TEST(Detect, X86WithoutDmiIsStillX86) {
  // A container or a VM without SMBIOS tables: x86 by arch, and nothing says which model it is.
  FakeTree tree;
  testing::make_unknown_board(tree);

  const PlatformInfo info = detect(tree.root(), {.machine = "x86_64", .cpu = kAesNi});

  EXPECT_EQ(info.adapter, "x86");
  EXPECT_EQ(info.model, "unknown");
  EXPECT_EQ(info.device_id_source, id_source::kMachineId);
}

TEST(Detect, DmiTablesSelectX86OnAnyArch) {
  FakeTree tree;
  testing::make_nuc(tree);

  EXPECT_EQ(detect(tree.root(), {.machine = "aarch64", .cpu = kNoAes}).adapter, "x86");
}

TEST(Detect, OtherDeviceTreeBoardIsGenericWithItsModel) {
  FakeTree tree;
  tree.file("/sys/firmware/devicetree/base/model", "Pine64 RockPro64 v2.1\0"sv)
      .file("/etc/machine-id", testing::kMachineId);

  const PlatformInfo info = detect(tree.root(), {.machine = "aarch64", .cpu = kNoAes});

  EXPECT_EQ(info.adapter, "generic");
  EXPECT_EQ(info.model, "Pine64 RockPro64 v2.1");
}

TEST(Detect, BalenaDeviceUuidIsTheDeviceIdOnEveryBoard) {
  constexpr std::string_view kUuid = "7f3c9a5e0b1d4c2a8e6f9d0c1b2a3948";
  for (auto make : {testing::make_pi3_armv7, testing::make_pi4, testing::make_nuc, testing::make_unknown_board}) {
    FakeTree tree;
    make(tree);
    const PlatformInfo info =
        detect(tree.root(), {.balena_device_uuid = std::string(kUuid) + "\n", .machine = "aarch64", .cpu = kNoAes});
    EXPECT_EQ(info.device_id, kUuid) << info.adapter;
    EXPECT_EQ(info.device_id_source, id_source::kBalena) << info.adapter;
  }
}

TEST(Detect, BlankBalenaDeviceUuidIsUnset) {
  FakeTree tree;
  testing::make_pi4(tree);

  const PlatformInfo info = detect(tree.root(), {.balena_device_uuid = " \n", .machine = "aarch64", .cpu = kNoAes});

  EXPECT_EQ(info.device_id, "10000000f3e2d1c0");
  EXPECT_EQ(info.device_id_source, id_source::kDeviceTreeSerial);
}

TEST(Detect, EachAdapterRecognisesOnlyItsBoards) {
  FakeTree pi;
  testing::make_pi4(pi);
  FakeTree nuc;
  testing::make_nuc(nuc);
  FakeTree unknown;
  testing::make_unknown_board(unknown);

  EXPECT_TRUE(RaspberryPi::matches(pi.root(), "aarch64"));
  EXPECT_FALSE(RaspberryPi::matches(nuc.root(), "x86_64"));
  EXPECT_FALSE(RaspberryPi::matches(unknown.root(), "aarch64"));
  EXPECT_TRUE(X86Pc::matches(nuc.root(), "aarch64"));
  EXPECT_TRUE(X86Pc::matches(unknown.root(), "i686"));
  EXPECT_FALSE(X86Pc::matches(pi.root(), "aarch64"));
  EXPECT_FALSE(X86Pc::matches(unknown.root(), "armv7l"));
  EXPECT_TRUE(GenericBoard::matches(unknown.root(), "riscv64"));
}

TEST(Detect, DescribeWithAChosenAdapter) {
  FakeTree tree;
  testing::make_pi4(tree);

  const PlatformInfo info = describe(GenericBoard(tree.root()), tree.root(), {.machine = "aarch64", .cpu = kNoAes});

  EXPECT_EQ(info.adapter, "generic");
  EXPECT_EQ(info.model, "Raspberry Pi 4 Model B Rev 1.4");  // generic reads the device-tree model too
  EXPECT_EQ(info.device_id_source, id_source::kMachineId);  // but knows nothing of Pi serials
}

TEST(Summary, Pi4) {
  FakeTree tree;
  testing::make_pi4(tree);
  const PlatformInfo info = detect(tree.root(), {.machine = "aarch64", .cpu = kNoAes});

  EXPECT_EQ(summary(info), "platform: Raspberry Pi 4 Model B Rev 1.4, aarch64, AES hardware no, cipher "
                           "chacha20-poly1305, data dir " +
                               (tree.root() / "data" / "portico").string());
}

TEST(Summary, Nuc) {
  FakeTree tree;
  testing::make_nuc(tree);
  const PlatformInfo info = detect(tree.root(), {.home = "/home/op", .machine = "x86_64", .cpu = kAesNi});

  EXPECT_EQ(summary(info), "platform: Intel(R) Client Systems NUC8i5BEH, x86_64, AES hardware yes, cipher "
                           "aes-256-gcm, data dir /home/op/.local/share/portico");
}

}  // namespace
}  // namespace portico::platform
