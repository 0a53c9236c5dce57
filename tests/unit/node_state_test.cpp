#include "node_state.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace portico::agent {
namespace {

class NodeState : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("portico-node-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(NodeState, NodeIdIsCreatedOnceWithMode0600AndKept) {
  auto first = load_or_create_node_id(dir_.string());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "node-id").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "node-id") << "no temporary file is left behind";
  }
  auto second = load_or_create_node_id(dir_.string());
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
}

TEST_F(NodeState, DamagedNodeIdIsReplaced) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "node-id") << "garbage";
  auto id = load_or_create_node_id(dir_.string());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 32u);
}

TEST_F(NodeState, UnwritableDataDirIsAnError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  EXPECT_FALSE(load_or_create_node_id((dir_ / "file" / "sub").string()));
}

TEST(RelayName, OnePerBalenaServiceSoTwoOutletsOnADeviceDiffer) {
  Config config;
  config.service_name = "portico-pg";
  EXPECT_EQ(relay_name(config, "7f3c9a0e", "n1"), "7f3c9a0e-portico-pg");
  config.service_name = "portico-ssh";
  EXPECT_EQ(relay_name(config, "7f3c9a0e", "n1"), "7f3c9a0e-portico-ssh");
  EXPECT_EQ(relay_name(config, "", "n1"), "n1-portico-ssh");
  // A 62-character device UUID: the device part is shortened so the whole stays a valid 64-byte name.
  const std::string uuid(62, 'a');
  const std::string name = relay_name(config, uuid, "n1");
  EXPECT_EQ(name.size(), 64u);
  EXPECT_EQ(name.substr(name.size() - 12), "-portico-ssh");
  config.service_name = "bad name";
  EXPECT_EQ(relay_name(config, "7f3c9a0e", "n1"), "7f3c9a0e") << "an unusable service name is left out";
  config.relay = "pg";
  config.service_name = "portico-pg";
  EXPECT_EQ(relay_name(config, "7f3c9a0e", "n1"), "pg") << "OCKAM_RELAY wins";
}

TEST(RelayName, PrefersRelayThenDeviceIdThenNodeId) {
  Config config;
  EXPECT_EQ(relay_name(config, "", "n1"), "n1");
  EXPECT_EQ(relay_name(config, "not a name!", "n1"), "n1");
  EXPECT_EQ(relay_name(config, "00000000a1b2c3d4", "n1"), "00000000a1b2c3d4");
  config.relay = "pg";
  EXPECT_EQ(relay_name(config, "00000000a1b2c3d4", "n1"), "pg");
}

}  // namespace
}  // namespace portico::agent
