#include "platform/platform.hpp"

#include <gtest/gtest.h>

#include "fake_tree.hpp"
#include "platform/sources.hpp"

namespace portico::platform {
namespace {

using testing::FakeTree;

TEST(DataDir, DataVolumeWinsWhenItExists) {
  FakeTree tree;
  tree.dir("/data");
  EXPECT_EQ(default_data_dir(tree.root(), {.xdg_data_home = "/home/pi/.data", .home = "/home/pi"}),
            tree.root() / "data" / "portico");
}

TEST(DataDir, RealRootGivesTheBalenaPath) {
  // The same rule with root "/" is the path balena users know.
  EXPECT_EQ(under("/", "/data") / "portico", "/data/portico");
}

TEST(DataDir, AFileNamedDataIsNotTheVolume) {
  FakeTree tree;
  tree.file("/data", "not a directory");
  EXPECT_EQ(default_data_dir(tree.root(), {.home = "/home/pi"}), "/home/pi/.local/share/portico");
}

TEST(DataDir, XdgDataHomeBeforeHome) {
  FakeTree tree;
  EXPECT_EQ(default_data_dir(tree.root(), {.xdg_data_home = "/srv/xdg", .home = "/home/pi"}), "/srv/xdg/portico");
}

TEST(DataDir, RelativeXdgDataHomeIsIgnored) {
  FakeTree tree;
  EXPECT_EQ(default_data_dir(tree.root(), {.xdg_data_home = "xdg", .home = "/home/pi"}),
            "/home/pi/.local/share/portico");
}

TEST(DataDir, HomeOnly) {
  FakeTree tree;
  EXPECT_EQ(default_data_dir(tree.root(), {.home = "/root"}), "/root/.local/share/portico");
}

TEST(DataDir, NoHomeAtAll) {
  FakeTree tree;
  EXPECT_EQ(default_data_dir(tree.root(), {}), tree.root() / "var" / "lib" / "portico");
}

TEST(DataDir, DetectUsesTheSameRule) {
  FakeTree tree;
  tree.dir("/data");
  EXPECT_EQ(detect(tree.root(), {.home = "/root", .machine = "aarch64", .cpu = CpuFeatures{}}).data_dir,
            tree.root() / "data" / "portico");
}

}  // namespace
}  // namespace portico::platform
