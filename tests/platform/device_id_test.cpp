#include "platform/raspberrypi/raspberry_pi.hpp"

#include <gtest/gtest.h>

#include "fake_tree.hpp"
#include "platform/generic/generic_board.hpp"
#include "platform/platform.hpp"
#include "platform/sources.hpp"
#include "platform/x86/x86_pc.hpp"

namespace portico::platform {
namespace {

using testing::FakeTree;
using namespace std::string_view_literals;

constexpr std::string_view kSerialPath = "/sys/firmware/devicetree/base/serial-number";

TEST(RaspberryPiId, DeviceTreeSerialComesBeforeCpuinfo) {
  FakeTree tree;
  testing::make_pi3_aarch64(tree);
  tree.file(kSerialPath, "00000000ffee0011\0"sv);

  EXPECT_EQ(RaspberryPi(tree.root()).device_id(), (DeviceId{"00000000ffee0011", id_source::kDeviceTreeSerial}));
}

TEST(RaspberryPiId, AllZeroSerialIsNoSerial) {
  FakeTree tree;
  tree.file(kSerialPath, "0000000000000000\0"sv).file("/proc/cpuinfo", "Serial\t\t: 0000000000000000\n");
  EXPECT_EQ(RaspberryPi(tree.root()).device_id(), std::nullopt);

  tree.file("/etc/machine-id", testing::kMachineId);
  EXPECT_EQ(RaspberryPi(tree.root()).device_id(),
            (DeviceId{"3d1219c7c4c5404aaa1f6d2a48adfda4", id_source::kMachineId}));
}

TEST(RaspberryPiId, SerialIsLowerCased) {
  FakeTree tree;
  tree.file("/proc/cpuinfo", "Hardware\t: BCM2835\nSerial\t\t: 00000000A1B2C3D4\n");
  EXPECT_EQ(RaspberryPi(tree.root()).device_id(), (DeviceId{"00000000a1b2c3d4", id_source::kCpuinfoSerial}));
}

TEST(RaspberryPiId, NoSourceAtAllLeavesTheIdEmpty) {
  FakeTree tree;
  tree.file("/proc/device-tree/model", testing::kPi4Model);

  const PlatformInfo info = detect(tree.root(), {.machine = "aarch64", .cpu = CpuFeatures{}});

  EXPECT_EQ(info.adapter, "raspberrypi");
  EXPECT_EQ(info.device_id, "");
  EXPECT_EQ(info.device_id_source, "");
}

TEST(RaspberryPiModel, CpuinfoModelWhenTheDeviceTreeIsMissing) {
  FakeTree tree;
  tree.file("/proc/cpuinfo", testing::kPi3CpuinfoArmv7);
  EXPECT_EQ(RaspberryPi(tree.root()).model(), "Raspberry Pi 3 Model B Plus Rev 1.3");
}

TEST(X86Id, ProductUuidIsLowerCased) {
  FakeTree tree;
  tree.file("/sys/class/dmi/id/product_uuid", "6B1F0C2E-94A7-4D3B-8E51-0A2C9D7F4E13\n");
  EXPECT_EQ(X86Pc(tree.root()).device_id(),
            (DeviceId{"6b1f0c2e-94a7-4d3b-8e51-0a2c9d7f4e13", id_source::kDmiProductUuid}));
}

TEST(X86Id, PlaceholderUuidsFallBackToMachineId) {
  for (std::string_view uuid : {"00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
                                "03000200-0400-0500-0006-000700080009", "Not Settable", "6b1f0c2e94a74d3b"}) {
    FakeTree tree;
    tree.file("/sys/class/dmi/id/product_uuid", uuid).file("/etc/machine-id", testing::kMachineId);
    EXPECT_EQ(X86Pc(tree.root()).device_id(), (DeviceId{"3d1219c7c4c5404aaa1f6d2a48adfda4", id_source::kMachineId}))
        << uuid;
  }
}

TEST(X86Id, UnreadableProductUuidFallsBackToMachineId) {
  // product_uuid is mode 0400 root: an unprivileged agent cannot open it. (Root reads it anyway, so the test
  // removes the file instead of its permissions.)
  FakeTree tree;
  tree.dir("/sys/class/dmi/id").file("/etc/machine-id", testing::kMachineId);
  EXPECT_EQ(X86Pc(tree.root()).device_id(), (DeviceId{"3d1219c7c4c5404aaa1f6d2a48adfda4", id_source::kMachineId}));
}

TEST(X86Model, VendorAndProduct) {
  FakeTree tree;
  testing::make_nuc(tree);
  EXPECT_EQ(X86Pc(tree.root()).model(), "Intel(R) Client Systems NUC8i5BEH");
}

TEST(X86Model, VendorNamedOnce) {
  FakeTree tree;
  tree.file("/sys/class/dmi/id/sys_vendor", "QEMU\n")
      .file("/sys/class/dmi/id/product_name", "QEMU Standard PC (Q35 + ICH9, 2009)\n");
  EXPECT_EQ(X86Pc(tree.root()).model(), "QEMU Standard PC (Q35 + ICH9, 2009)");
}

TEST(X86Model, FirmwarePlaceholdersAreLeftOut) {
  FakeTree tree;
  tree.file("/sys/class/dmi/id/sys_vendor", "To Be Filled By O.E.M.\n")
      .file("/sys/class/dmi/id/product_name", "J4105-ITX\n");
  EXPECT_EQ(X86Pc(tree.root()).model(), "J4105-ITX");

  tree.file("/sys/class/dmi/id/product_name", "Default string\n");
  EXPECT_EQ(X86Pc(tree.root()).model(), "unknown");
}

TEST(MachineId, OnlyARealIdCounts) {
  for (std::string_view content : {"uninitialized\n", "\n", "3d1219c7c4c5404a\n",
                                   "00000000000000000000000000000000\n", "3d1219c7c4c5404aaa1f6d2a48adfdzz\n"}) {
    FakeTree tree;
    tree.file("/etc/machine-id", content);
    EXPECT_EQ(machine_id(tree.root()), std::nullopt) << content;
    EXPECT_EQ(GenericBoard(tree.root()).device_id(), std::nullopt) << content;
  }
  FakeTree missing;
  EXPECT_EQ(machine_id(missing.root()), std::nullopt);
}

TEST(Sources, DeviceTreeValueStopsAtTheFirstNul) {
  FakeTree tree;
  tree.file("/sys/firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\0garbage"sv);
  EXPECT_EQ(device_tree_value(tree.root(), "model"), "Raspberry Pi 4 Model B Rev 1.4");
}

TEST(Sources, CpuinfoFieldMatchesTheWholeKey) {
  FakeTree tree;
  tree.file("/proc/cpuinfo", "model name\t: ARMv7 Processor rev 4 (v7l)\nModel\t\t: Raspberry Pi 3\n");
  EXPECT_EQ(cpuinfo_field(tree.root(), "Model"), "Raspberry Pi 3");
  EXPECT_EQ(cpuinfo_field(tree.root(), "Serial"), std::nullopt);
}

}  // namespace
}  // namespace portico::platform
