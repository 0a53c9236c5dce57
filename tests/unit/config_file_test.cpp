#include "config_file.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

namespace portico::agent {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;
using Attributes = std::map<std::string, std::string>;

const fs::path kConfigDir = PORTICO_CONFIG_TESTS_DIR;
const fs::path kExample = fs::path(PORTICO_SOURCE_DIR) / "docs" / "portico.example.yaml";

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Environment env(Vars values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

FileConfig parse_ok(const fs::path& path) {
  auto parsed = parse_config_file(read(path), path.filename().string());
  EXPECT_TRUE(std::holds_alternative<FileConfig>(parsed))
      << (std::holds_alternative<ConfigError>(parsed) ? std::get<ConfigError>(parsed).message : "");
  return std::holds_alternative<FileConfig>(parsed) ? std::get<FileConfig>(parsed) : FileConfig{};
}

Config load_ok(Vars vars) {
  auto loaded = load_config(env(std::move(vars)));
  EXPECT_TRUE(std::holds_alternative<Config>(loaded))
      << (std::holds_alternative<ConfigError>(loaded) ? std::get<ConfigError>(loaded).message : "");
  return std::holds_alternative<Config>(loaded) ? std::get<Config>(loaded) : Config{};
}

ConfigError load_error(Vars vars) {
  auto loaded = load_config(env(std::move(vars)));
  EXPECT_TRUE(std::holds_alternative<ConfigError>(loaded)) << "expected an error";
  return std::holds_alternative<ConfigError>(loaded) ? std::get<ConfigError>(loaded) : ConfigError{};
}

// Each file in tests/config/bad says on its first line what the parser must answer: "# error: <substring>".
TEST(ConfigFile, EachBadFileFailsWithItsOwnLine) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kConfigDir / "bad")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    const std::string text = read(entry.path());
    const std::string marker = "# error: ";
    ASSERT_EQ(text.rfind(marker, 0), 0u) << entry.path() << " has no '# error: ' first line";
    const std::string expected = text.substr(marker.size(), text.find('\n') - marker.size());
    auto parsed = parse_config_file(text, entry.path().filename().string());
    ASSERT_TRUE(std::holds_alternative<ConfigError>(parsed)) << entry.path() << " parsed without an error";
    const ConfigError& e = std::get<ConfigError>(parsed);
    EXPECT_NE(e.message.find(expected), std::string::npos) << entry.path() << "\n  expected: " << expected
                                                           << "\n  got:      " << e.message;
    EXPECT_EQ(e.message.rfind(entry.path().filename().string() + ":", 0), 0u) << "names the file first: " << e.message;
    EXPECT_EQ(e.message.find('\n'), std::string::npos) << "one line: " << e.message;
    EXPECT_EQ(e.exit_code, exit_code::kConfig);
    EXPECT_EQ(e.variable, "OCKAM_CONFIG");
  }
  EXPECT_GE(files, 30u) << "the bad files are in " << kConfigDir / "bad";
}

TEST(ConfigFile, ThreeOutletsEachWithItsOwnPolicyAndLimit) {
  const FileConfig file = parse_ok(kConfigDir / "good" / "outlets.yaml");
  EXPECT_EQ(file.config.hub.to_string(), "hub.example.com:4000");
  EXPECT_EQ(file.config.data_dir, "/data/portico");
  ASSERT_EQ(file.outlets.size(), 3u);
  EXPECT_TRUE(file.inlets.empty());
  EXPECT_EQ(file.outlets[0].options.relay, "cam-7-http");
  EXPECT_EQ(file.outlets[0].options.target.to_string(), "127.0.0.1:80");
  EXPECT_FALSE(file.outlets[0].own_allow);
  EXPECT_EQ(file.outlets[1].options.relay, "cam-7-redis");
  EXPECT_EQ(file.outlets[1].options.target.port, 6379);
  EXPECT_EQ(file.outlets[1].options.allow, (Attributes{{"role", "operator"}, {"team", "data"}}));
  EXPECT_EQ(file.outlets[1].options.max_streams_per_peer, 8u);
  EXPECT_EQ(file.outlets[2].options.target.host, "::1");
  EXPECT_TRUE(file.outlets[2].options.allow.empty()) << "allow: any";
  EXPECT_FALSE(file.outlets[2].options.allow_is_default);

  // Loaded: the outlets without their own allow and limit take the file's top-level ones.
  const Config c = load_ok({{"OCKAM_CONFIG", (kConfigDir / "good" / "outlets.yaml").string()}});
  EXPECT_EQ(c.role, Role::node);
  ASSERT_EQ(c.outlets.size(), 3u);
  EXPECT_EQ(c.outlets[0].allow, (Attributes{{"role", "operator"}}));
  EXPECT_FALSE(c.outlets[0].allow_is_default) << "the file's allow: was given";
  EXPECT_EQ(c.outlets[0].max_streams_per_peer, 64u);
  EXPECT_EQ(c.outlets[1].max_streams_per_peer, 8u);
  EXPECT_EQ(c.outlet_target.to_string(), "127.0.0.1:80") << "legacy single portal: outlets[0]";
  EXPECT_EQ(c.relay, "cam-7-http");
}

TEST(ConfigFile, ThreeInlets) {
  const FileConfig file = parse_ok(kConfigDir / "good" / "inlets.yaml");
  ASSERT_EQ(file.inlets.size(), 3u);
  EXPECT_EQ(file.config.log_level, LogLevel::debug);
  ASSERT_TRUE(file.config.enroll);
  EXPECT_EQ(file.config.enroll->hub_identifier.substr(0, 5), "I3f2a");
  EXPECT_EQ(file.inlets[0].options.listen.to_string(), "127.0.0.1:18080");
  EXPECT_EQ(file.inlets[0].options.relay, "cam-7-http");
  EXPECT_FALSE(file.inlets[0].options.relay_identity);
  EXPECT_EQ(file.inlets[1].options.relay, "cam-7-redis");
  EXPECT_EQ(file.inlets[1].options.relay_identity, "I7c1e" + std::string(59, '0') + "1");
  EXPECT_EQ(file.inlets[2].options.listen.to_string(), "0.0.0.0:10022");
  EXPECT_EQ(file.inlets[2].line, 11);
}

TEST(ConfigFile, TheExampleInDocsParses) {
  const FileConfig file = parse_ok(kExample);
  EXPECT_EQ(file.outlets.size(), 3u);
  EXPECT_EQ(file.inlets.size(), 1u);
  ASSERT_TRUE(file.config.metrics);
  EXPECT_EQ(file.config.metrics->port, 9464);
  EXPECT_EQ(file.config.handshakes.max_pending, 256u);
  const Config c = load_ok({{"OCKAM_CONFIG", kExample.string()}});
  EXPECT_EQ(c.role, Role::node);
  EXPECT_EQ(c.config_file, kExample.string());
}

TEST(ConfigFile, OnePortalInAFileIsThatRole) {
  const Config outlet = load_ok({{"OCKAM_CONFIG_YAML", "hub: h:1\noutlets: [{target: 127.0.0.1:5432}]\n"}});
  EXPECT_EQ(outlet.role, Role::outlet);
  EXPECT_FALSE(outlet.relay) << "no relay: the device's name, as without OCKAM_RELAY";
  EXPECT_TRUE(outlet.allow_is_default);
  EXPECT_EQ(outlet.allow, node::default_allow());
  EXPECT_EQ(outlet.config_file, "OCKAM_CONFIG_YAML");
  const Config inlet = load_ok({{"OCKAM_CONFIG_YAML", "hub: h:1\ninlets: [{listen: 127.0.0.1:1, relay: pg}]\n"}});
  EXPECT_EQ(inlet.role, Role::inlet);
  EXPECT_EQ(inlet.forward, "pg");
  EXPECT_EQ(inlet.inlet_listen.port, 1);
  const Config hub = load_ok({{"OCKAM_CONFIG_YAML", "listen: 0.0.0.0:4000\nlimits: {max_pending_handshakes: 40}\n"}});
  EXPECT_EQ(hub.role, Role::hub);
  EXPECT_EQ(hub.listen.port, 4000);
  EXPECT_EQ(hub.handshakes.early_drop_from, 20u);
}

TEST(ConfigFile, TheEnvironmentWinsForTheSameSetting) {
  const std::string yaml = "hub: file-hub:4000\nlog: debug\ndata: /file\nallow: site=file\n"
                           "limits: {max_streams_per_peer: 64, max_channels_per_link: 2}\n"
                           "outlets:\n  - {relay: a, target: 127.0.0.1:1}\n  - {relay: b, target: 127.0.0.1:2, "
                           "allow: site=own, max_streams_per_peer: 5}\n";
  const Config c = load_ok({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_HUB", "env-hub:4000"}, {"OCKAM_LOG", "warn"},
                            {"OCKAM_ALLOW", "site=env"}, {"OCKAM_MAX_STREAMS_PER_PEER", "32"}});
  EXPECT_EQ(c.hub.host, "env-hub");
  EXPECT_EQ(c.log_level, LogLevel::warn);
  EXPECT_EQ(c.data_dir, "/file") << "what the environment does not set, the file does";
  EXPECT_EQ(c.handshakes.max_channels_per_source, 2u);
  ASSERT_EQ(c.outlets.size(), 2u);
  EXPECT_EQ(c.outlets[0].allow, (Attributes{{"site", "env"}})) << "OCKAM_ALLOW over allow:";
  EXPECT_EQ(c.outlets[0].max_streams_per_peer, 32u);
  EXPECT_EQ(c.outlets[1].allow, (Attributes{{"site", "own"}})) << "an outlet's own key is its own";
  EXPECT_EQ(c.outlets[1].max_streams_per_peer, 5u);
  // A bad variable is still the variable's error, with its own code.
  const ConfigError e = load_error({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_HUB", "nope"}});
  EXPECT_EQ(e.variable, "OCKAM_HUB");
  EXPECT_EQ(e.exit_code, exit_code::kHub);
}

TEST(ConfigFile, TheEnvironmentsPortalJoinsTheFilesLists) {
  const std::string yaml = "hub: h:1\noutlets: [{relay: web, target: 127.0.0.1:80}]\n"
                           "inlets: [{listen: 127.0.0.1:15432, relay: pg}]\n";
  const Config c = load_ok({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_OUT", "127.0.0.1:6379"}, {"OCKAM_RELAY", "redis"},
                            {"OCKAM_IN", "127.0.0.1:18080"}, {"OCKAM_FORWARD", "api"}});
  EXPECT_EQ(c.role, Role::node);
  ASSERT_EQ(c.outlets.size(), 2u);
  EXPECT_EQ(c.outlets[1].relay, "redis");
  ASSERT_EQ(c.inlets.size(), 2u);
  EXPECT_EQ(c.inlets[1].relay, "api");
  EXPECT_TRUE(c.warnings.empty()) << "with a file, OCKAM_IN and OCKAM_OUT are both portals";

  ConfigError e = load_error({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_OUT", "127.0.0.1:1"}, {"OCKAM_RELAY", "web"}});
  EXPECT_EQ(e.exit_code, exit_code::kConfig);
  EXPECT_EQ(e.message, "OCKAM_RELAY: 'web' is also the relay name of outlets[0] in OCKAM_CONFIG_YAML:2: each outlet "
                       "needs its own (example: OCKAM_RELAY=web-2)");
  e = load_error({{"OCKAM_CONFIG_YAML", "hub: h:1\noutlets: [{target: 127.0.0.1:80}]\n"}, {"OCKAM_OUT", "127.0.0.1:1"}});
  EXPECT_NE(e.message.find("already takes the device's relay name"), std::string::npos) << e.message;
  e = load_error({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_IN", "0.0.0.0:15432"}, {"OCKAM_FORWARD", "x"}});
  EXPECT_EQ(e.exit_code, exit_code::kConfig);
  EXPECT_NE(e.message.find("OCKAM_IN: '0.0.0.0:15432' overlaps inlets[0].listen '127.0.0.1:15432' in "
                           "OCKAM_CONFIG_YAML:3"), std::string::npos) << e.message;
  e = load_error({{"OCKAM_CONFIG_YAML", yaml}, {"OCKAM_LISTEN", "0.0.0.0:4000"}});
  EXPECT_EQ(e.variable, "OCKAM_LISTEN");
  EXPECT_EQ(e.exit_code, exit_code::kConfig);
}

TEST(ConfigFile, WhereTheFileComesFrom) {
  ConfigError e = load_error({{"OCKAM_CONFIG", "/nonexistent/portico.yaml"}, {"OCKAM_CONFIG_YAML", "hub: h:1"}});
  EXPECT_EQ(e.exit_code, exit_code::kConfig);
  EXPECT_NE(e.message.find("both set"), std::string::npos) << e.message;
  e = load_error({{"OCKAM_CONFIG", "/nonexistent/portico.yaml"}});
  EXPECT_EQ(e.message.rfind("OCKAM_CONFIG: cannot read /nonexistent/portico.yaml: No such file", 0), 0u) << e.message;
  EXPECT_FALSE(e.unconfigured) << "a file named but missing is a mistake, not a missing variable";
  e = load_error({{"OCKAM_CONFIG_YAML", "hub: [h:1"}});
  EXPECT_EQ(e.variable, "OCKAM_CONFIG_YAML");
  EXPECT_EQ(e.message.rfind("OCKAM_CONFIG_YAML:1: not YAML", 0), 0u) << e.message;
  // A file with shared settings only: the environment still has to give a role.
  e = load_error({{"OCKAM_CONFIG_YAML", "hub: h:1"}, {"OCKAM_UNCONFIGURED", "idle"}});
  EXPECT_EQ(e.exit_code, exit_code::kRole);
  EXPECT_TRUE(e.idle);
  EXPECT_EQ(load_ok({{"OCKAM_CONFIG_YAML", "hub: h:1"}, {"OCKAM_OUT", "127.0.0.1:1"}}).role, Role::outlet);
  e = load_error({{"OCKAM_CONFIG_YAML", "outlets: [{target: 127.0.0.1:80}]"}});
  EXPECT_EQ(e.variable, "OCKAM_HUB");
  EXPECT_TRUE(e.unconfigured);
  EXPECT_NE(e.message.find("nor hub: in OCKAM_CONFIG_YAML"), std::string::npos) << e.message;
  // The file's hub identity must be the token's, wherever each is written.
  const std::string hub_a = "I" + std::string(64, 'a'), hub_b = "I" + std::string(64, 'b');
  e = load_error({{"OCKAM_CONFIG_YAML", "hub: h:1\nhub_identity: " + hub_b + "\noutlets: [{target: 127.0.0.1:80}]\n"},
                  {"OCKAM_ENROLL", hub_a + ":" + std::string(64, '1')}});
  EXPECT_EQ(e.message.rfind("OCKAM_CONFIG_YAML:2: hub_identity: '" + hub_b + "' is not the hub named in OCKAM_ENROLL", 0), 0u)
      << e.message;
}

}  // namespace
}  // namespace portico::agent
