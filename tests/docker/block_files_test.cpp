// The balenaBlock's files at the repository root (balena.yml, docker-compose.yml, Dockerfile.template), the
// consumer examples in balena/, docker/Dockerfile, docker/docker-compose.hub.yml and the .deb's systemd units: the
// fields balena, Docker and systemd need are there (checked against balena's documented balena.yml and compose
// fields), say what the README promises, and carry the one version CMakeLists.txt sets.
#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
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

// CMakeLists.txt's project(... VERSION x.y.z HOMEPAGE_URL "...") : the one place the version and the repository live.
std::string project_field(const std::string& field) {
  const std::string text = read_text("CMakeLists.txt");
  const std::smatch found = [&] {
    std::smatch m;
    std::regex_search(text, m, std::regex("project\\(portico[^)]*\\b" + field + " \"?([^ \")]+)\"?"));
    return m;
  }();
  return found.size() > 1 ? found[1].str() : "";
}

std::set<std::string> keys(const YAML::Node& map) {
  std::set<std::string> names;
  for (const auto& entry : map) names.insert(entry.first.as<std::string>());
  return names;
}

bool subset(const std::set<std::string>& part, const std::set<std::string>& whole) {
  return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
}

// The device types balena documents (slug -> architecture) that a static amd64, aarch64 or armv7hf binary runs on.
const std::map<std::string, std::string> kDeviceTypes = {
    {"raspberrypi3", "armv7hf"},           {"raspberrypi3-64", "aarch64"},  {"raspberrypi4-64", "aarch64"},
    {"raspberrypi400-64", "aarch64"},      {"raspberrypicm4-ioboard", "aarch64"}, {"raspberrypi5", "aarch64"},
    {"raspberrypi0-2w-64", "aarch64"},     {"fincm3", "armv7hf"},           {"generic-aarch64", "aarch64"},
    {"intel-nuc", "amd64"},                {"genericx86-64-ext", "amd64"},  {"generic-amd64", "amd64"},
    {"raspberry-pi2", "armv7hf"},          {"jetson-nano", "aarch64"},
};

TEST(BlockVersion, OnePlaceCMakeAndEveryFileAgree) {
  const std::string version = project_field("VERSION");
  ASSERT_TRUE(std::regex_match(version, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+"))) << version;
  EXPECT_EQ(YAML::LoadFile(kRoot + "/balena.yml")["version"].as<std::string>(), version);
  for (const char* file : {"docker/Dockerfile", "Dockerfile.template"}) {
    SCOPED_TRACE(file);
    const std::string dockerfile = read_text(file);
    // Both stages declare it (the build stage checks the binary against it, the runtime stage labels the image).
    std::size_t count = 0;
    for (auto at = dockerfile.find("ARG PORTICO_VERSION="); at != std::string::npos;
         at = dockerfile.find("ARG PORTICO_VERSION=", at + 1)) {
      EXPECT_EQ(dockerfile.substr(at + 20, version.size() + 1), version + "\n");
      ++count;
    }
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(dockerfile.find("ARG VERSION"), std::string::npos) << "one version argument";
  }
}

TEST(BalenaBlock, MetadataFollowsBalenasSchema) {
  const YAML::Node block = YAML::LoadFile(kRoot + "/balena.yml");
  EXPECT_TRUE(subset(keys(block), {"name", "type", "description", "version", "post-provisioning", "assets", "data",
                                   "joinable", "isPublic"}));
  EXPECT_EQ(block["type"].as<std::string>(), "sw.block");
  EXPECT_EQ(block["name"].as<std::string>(), "portico");
  EXPECT_FALSE(block["description"].as<std::string>().empty());
  EXPECT_TRUE(subset(keys(block["data"]), {"defaultDeviceType", "supportedDeviceTypes",
                                           "applicationEnvironmentVariables", "applicationConfigVariables"}));
  std::set<std::string> types;
  for (const auto& type : block["data"]["supportedDeviceTypes"]) {
    types.insert(type.as<std::string>());
    EXPECT_TRUE(kDeviceTypes.count(type.as<std::string>())) << type.as<std::string>() << ": not a type we build for";
  }
  EXPECT_TRUE(subset({"raspberrypi3", "raspberrypi3-64", "raspberrypi4-64", "raspberrypi400-64",
                      "raspberrypicm4-ioboard", "raspberrypi5", "raspberrypi0-2w-64", "fincm3", "generic-aarch64",
                      "intel-nuc", "genericx86-64-ext", "generic-amd64"}, types));
  EXPECT_TRUE(types.count(block["data"]["defaultDeviceType"].as<std::string>()));
}

TEST(BalenaBlock, AssetsAreAbsoluteUrlsToTheRepositoryAndA512Logo) {
  const YAML::Node assets = YAML::LoadFile(kRoot + "/balena.yml")["assets"];
  const std::string repository = project_field("HOMEPAGE_URL");
  ASSERT_EQ(repository.rfind("https://", 0), 0u) << repository;
  for (const char* asset : {"repository", "logo"}) {
    SCOPED_TRACE(asset);
    EXPECT_EQ(assets[asset]["type"].as<std::string>(), "blob.asset");
    EXPECT_EQ(assets[asset]["data"]["url"].as<std::string>().rfind("https://", 0), 0u);
  }
  EXPECT_EQ(assets["repository"]["data"]["url"].as<std::string>(), repository);
  const std::string logo = assets["logo"]["data"]["url"].as<std::string>();
  const std::string suffix = "/main/balena/logo.png";
  ASSERT_GT(logo.size(), suffix.size());
  EXPECT_EQ(logo.substr(logo.size() - suffix.size()), suffix) << "the URL serves the file in this repository";
  EXPECT_NE(logo.find(repository.substr(std::string("https://github.com/").size())), std::string::npos) << logo;
  const std::string png = read_text("balena/logo.png");
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_EQ(be32(16), 512u);  // IHDR width
  EXPECT_EQ(be32(20), 512u);  // and height
}

TEST(BalenaBlock, ComposeIsOneServiceBuiltFromAContextInsideTheProject) {
  const YAML::Node compose = YAML::LoadFile(kRoot + "/docker-compose.yml");
  EXPECT_EQ(compose["version"].as<std::string>().substr(0, 2), "2.");
  ASSERT_EQ(compose["services"].size(), 1u);
  const YAML::Node service = compose["services"]["portico"];
  ASSERT_TRUE(service.IsMap());
  const YAML::Node build = service["build"];
  const std::string context = build.IsScalar() ? build.as<std::string>() : build["context"].as<std::string>();
  EXPECT_EQ(context, ".") << "balena ignores a context outside the project";
  if (build.IsMap()) EXPECT_FALSE(build["dockerfile"]) << "balena finds Dockerfile.template by itself";
  std::ifstream template_file(kRoot + "/Dockerfile.template");
  EXPECT_TRUE(template_file.good()) << "Dockerfile.template beside docker-compose.yml";
  EXPECT_EQ(service["volumes"][0].as<std::string>(), "portico-data:/data");
  EXPECT_TRUE(compose["volumes"]["portico-data"]);
  EXPECT_TRUE(service["restart"]);
  // The role follows from the fleet's variables, none of which the block sets.
  for (const char* variable : {"OCKAM_OUT", "OCKAM_IN", "OCKAM_LISTEN", "OCKAM_FORWARD", "OCKAM_HUB"}) {
    EXPECT_FALSE(service["environment"] && service["environment"][variable]) << variable;
  }
  const std::string text = read_text("docker-compose.yml");
  for (const char* variable : {"OCKAM_HUB", "OCKAM_ENROLL", "OCKAM_OUT", "OCKAM_FORWARD", "OCKAM_RELAY"}) {
    EXPECT_NE(text.find(variable), std::string::npos) << variable << " is documented where the block is";
  }
}

TEST(BalenaBlock, ConsumerExamplesUseThePublishedImageOrTheSourcesAsASubdirectory) {
  const YAML::Node published = YAML::LoadFile(kRoot + "/balena/docker-compose.example.yml");
  const YAML::Node from_source = YAML::LoadFile(kRoot + "/balena/docker-compose.source.yml");
  for (const YAML::Node* compose : {&published, &from_source}) {
    const YAML::Node service = (*compose)["services"]["portico"];
    ASSERT_TRUE(service.IsMap());
    EXPECT_FALSE(service["network_mode"]) << "bridge: the outlet reaches other services by name";
    EXPECT_EQ(service["volumes"][0].as<std::string>(), "portico-data:/data");
    EXPECT_TRUE((*compose)["volumes"]["portico-data"]);
    EXPECT_TRUE(service["environment"]["OCKAM_OUT"]);
  }
  EXPECT_TRUE(std::regex_match(published["services"]["portico"]["image"].as<std::string>(),
                               std::regex("bh\\.cr/[a-z0-9_-]+/portico-(aarch64|armv7hf|amd64)")));
  EXPECT_EQ(from_source["services"]["portico"]["build"].as<std::string>(), "./portico");
}

TEST(BalenaBlock, TemplateUsesTheArchitectureNotTheMachine) {
  const std::string dockerfile = read_text("Dockerfile.template");
  EXPECT_NE(dockerfile.find("portico-build-static target %%BALENA_ARCH%%"), std::string::npos);
  EXPECT_EQ(dockerfile.find("%%BALENA_MACHINE_NAME%%"), std::string::npos);
  EXPECT_EQ(dockerfile.find("FROM balenalib"), std::string::npos) << "balenalib images are deprecated";
  EXPECT_NE(dockerfile.find("FROM debian:bookworm"), std::string::npos);
  EXPECT_EQ(dockerfile.find(".."), std::string::npos) << "nothing from outside the context";
}

TEST(DockerImage, DockerfileFollowsBuildKitsPlatformsAndTheClassicBuilder) {
  const std::string dockerfile = read_text("docker/Dockerfile");
  EXPECT_EQ(dockerfile.find("ARG BUILDPLATFORM="), std::string::npos) << "no build machine is assumed";
  EXPECT_NE(dockerfile.find("FROM --platform=${BUILDPLATFORM:-linux} "), std::string::npos);
  for (const char* arg : {"ARG TARGETPLATFORM\n", "ARG TARGETARCH\n", "ARG TARGETVARIANT\n"}) {
    EXPECT_NE(dockerfile.find(arg), std::string::npos) << arg;
  }
  EXPECT_NE(dockerfile.find("portico-build-static target \"$TARGETARCH\" \"$TARGETVARIANT\""), std::string::npos);
  const std::string recipe = read_text("docker/build-static.sh");
  for (const char* check : {"statically linked", "x86-64", "ARM aarch64", "ARM, EABI5", "hard-float ABI",
                            "Tag_CPU_arch: v7", "CMAKE_PROJECT_VERSION"}) {
    EXPECT_NE(recipe.find(check), std::string::npos) << "the recipe checks " << check;
  }
  const std::string ignore = read_text(".dockerignore");
  EXPECT_NE(ignore.find("!docker/build-static.sh\n"), std::string::npos) << "the recipe is in the context";
}

TEST(DockerImage, RuntimeStageIsScratchWithExecEntrypointHealthcheckAndStopSignal) {
  const std::string repository = project_field("HOMEPAGE_URL");
  for (const char* file : {"docker/Dockerfile", "Dockerfile.template"}) {
    SCOPED_TRACE(file);
    const std::string dockerfile = read_text(file);
    EXPECT_NE(dockerfile.find("\nFROM scratch\n"), std::string::npos);
    EXPECT_NE(dockerfile.find("\nENTRYPOINT [\"/usr/local/bin/portico\"]"), std::string::npos);
    EXPECT_NE(dockerfile.find("\nSTOPSIGNAL SIGTERM\n"), std::string::npos);
    EXPECT_NE(dockerfile.find("CMD [\"/usr/local/bin/portico\", \"health\"]"), std::string::npos);
    EXPECT_EQ(dockerfile.find("health\", \"--ready\"]"), std::string::npos) << "liveness, not the hub's state";
    EXPECT_NE(dockerfile.find("OCKAM_DATA=/data/portico"), std::string::npos);
    EXPECT_NE(dockerfile.find("OCKAM_UNCONFIGURED=idle"), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.title"), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.version=\"${PORTICO_VERSION}\""), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.revision=\"${REVISION}\""), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.licenses=\"Apache-2.0\""), std::string::npos);
    EXPECT_NE(dockerfile.find("org.opencontainers.image.source=\"" + repository + "\""), std::string::npos);
  }
  EXPECT_EQ(read_text("LICENSE").find("Apache License\n                           Version 2.0"), 34u);
}

TEST(DebPackage, UnitsAreSandboxedNotifyServices) {
  for (const char* file : {"cmake/packaging/portico.service", "cmake/packaging/portico@.service"}) {
    SCOPED_TRACE(file);
    const std::string unit = read_text(file);
    for (const char* line : {"\nType=notify\n", "\nStateDirectory=portico", "\nUser=portico\n",
                             "\nProtectSystem=strict\n", "\nNoNewPrivileges=yes\n",
                             "\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n", "\nExecStart=/usr/bin/portico\n",
                             "\nEnvironmentFile=", "\nRestartPreventExitStatus=", "\nWantedBy=multi-user.target\n"}) {
      EXPECT_NE(unit.find(line), std::string::npos) << line;
    }
  }
  const std::string instance = read_text("cmake/packaging/portico@.service");
  EXPECT_NE(instance.find("\nEnvironmentFile=/etc/portico/%i.env\n"), std::string::npos);
  EXPECT_NE(instance.find("\nStateDirectory=portico/%i\n"), std::string::npos);
  EXPECT_NE(instance.find("\nEnvironment=OCKAM_RELAY=%m-%i\n"), std::string::npos) << "one relay name per instance";
}

TEST(DockerImage, HubComposeRunsAHubWithPersistentData) {
  const YAML::Node compose = YAML::LoadFile(kRoot + "/docker/docker-compose.hub.yml");
  const YAML::Node hub = compose["services"]["hub"];
  ASSERT_TRUE(hub.IsMap());
  EXPECT_TRUE(hub["environment"]["OCKAM_LISTEN"]);
  EXPECT_EQ(hub["volumes"][0].as<std::string>().substr(0, 12), "portico-hub:");
  EXPECT_TRUE(compose["volumes"]["portico-hub"]);
  ASSERT_TRUE(hub["ports"].IsSequence());
  bool udp = false;
  for (const auto& port : hub["ports"]) udp = udp || port.as<std::string>() == "4000:4000/udp";
  EXPECT_TRUE(udp) << "the rendezvous (OCKAM_LISTEN_UDP defaults to OCKAM_LISTEN's address) is published too";
}

}  // namespace
