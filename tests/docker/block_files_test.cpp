// balena/balena.yml, balena/docker-compose.yml, docker/docker-compose.hub.yml and the Dockerfiles: the fields
// balena and Docker need are there and say what the README promises.
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace {

const std::string kRoot = PORTICO_SOURCE_DIR;

std::string read_text(const std::string& relative) {
  std::ifstream in(kRoot + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BalenaBlock, MetadataNamesTheBlockAndItsDeviceTypes) {
  const YAML::Node block = YAML::LoadFile(kRoot + "/balena/balena.yml");
  EXPECT_EQ(block["type"].as<std::string>(), "sw.block");
  EXPECT_EQ(block["name"].as<std::string>(), "portico");
  EXPECT_FALSE(block["description"].as<std::string>().empty());
  EXPECT_FALSE(block["version"].as<std::string>().empty());
  std::set<std::string> types;
  for (const auto& type : block["data"]["supportedDeviceTypes"]) types.insert(type.as<std::string>());
  EXPECT_EQ(types, (std::set<std::string>{"raspberrypi3", "raspberrypi3-64", "raspberrypi4-64", "intel-nuc",
                                          "genericx86-64-ext"}));
  EXPECT_TRUE(types.count(block["data"]["defaultDeviceType"].as<std::string>()));
  const std::string logo = block["assets"]["logo"]["data"]["url"].as<std::string>();
  EXPECT_EQ(read_text("balena/" + logo).substr(1, 3), "PNG") << logo;
}

TEST(BalenaBlock, ComposeHasAnOutletAndAnInletOnTheHostNetworkWithData) {
  const YAML::Node compose = YAML::LoadFile(kRoot + "/balena/docker-compose.yml");
  ASSERT_TRUE(compose["volumes"]["portico-data"]);
  for (const char* name : {"outlet", "inlet"}) {
    SCOPED_TRACE(name);
    const YAML::Node service = compose["services"][name];
    ASSERT_TRUE(service.IsMap());
    EXPECT_EQ(service["network_mode"].as<std::string>(), "host");
    EXPECT_EQ(service["volumes"][0].as<std::string>(), "portico-data:/data");
    EXPECT_EQ(service["build"]["dockerfile"].as<std::string>(), "balena/Dockerfile.template");
    EXPECT_TRUE(service["restart"]);
  }
  EXPECT_TRUE(compose["services"]["outlet"]["environment"]["OCKAM_OUT"]);
  EXPECT_TRUE(compose["services"]["inlet"]["environment"]["OCKAM_IN"]);
  // The fleet variables are documented where they are set.
  const std::string text = read_text("balena/docker-compose.yml");
  for (const char* variable : {"OCKAM_HUB", "OCKAM_ENROLL", "OCKAM_FORWARD"}) {
    EXPECT_NE(text.find(variable), std::string::npos) << variable;
  }
}

TEST(BalenaBlock, TemplateUsesTheArchitectureNotTheMachine) {
  const std::string dockerfile = read_text("balena/Dockerfile.template");
  EXPECT_NE(dockerfile.find("%%BALENA_ARCH%%"), std::string::npos);
  EXPECT_EQ(dockerfile.find("%%BALENA_MACHINE_NAME%%"), std::string::npos);
  EXPECT_EQ(dockerfile.find("FROM balenalib"), std::string::npos) << "balenalib images are deprecated";
  EXPECT_NE(dockerfile.find("FROM debian:bookworm"), std::string::npos);
}

TEST(DockerImage, RuntimeStageIsScratchWithExecEntrypointHealthcheckAndStopSignal) {
  for (const char* file : {"docker/Dockerfile", "balena/Dockerfile.template"}) {
    SCOPED_TRACE(file);
    const std::string dockerfile = read_text(file);
    EXPECT_NE(dockerfile.find("\nFROM scratch\n"), std::string::npos);
    EXPECT_NE(dockerfile.find("\nENTRYPOINT [\"/usr/local/bin/portico\"]"), std::string::npos);
    EXPECT_NE(dockerfile.find("\nSTOPSIGNAL SIGTERM\n"), std::string::npos);
    EXPECT_NE(dockerfile.find("CMD [\"/usr/local/bin/portico\", \"health\"]"), std::string::npos);
    EXPECT_NE(dockerfile.find("OCKAM_DATA=/data/portico"), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.title"), std::string::npos);
  }
}

TEST(DockerImage, HubComposeRunsAHubWithPersistentData) {
  const YAML::Node compose = YAML::LoadFile(kRoot + "/docker/docker-compose.hub.yml");
  const YAML::Node hub = compose["services"]["hub"];
  ASSERT_TRUE(hub.IsMap());
  EXPECT_TRUE(hub["environment"]["OCKAM_LISTEN"]);
  EXPECT_EQ(hub["volumes"][0].as<std::string>().substr(0, 12), "portico-hub:");
  EXPECT_TRUE(compose["volumes"]["portico-hub"]);
  EXPECT_FALSE(hub["ports"].IsNull());
}

}  // namespace
