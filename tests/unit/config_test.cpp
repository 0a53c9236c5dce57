#include "config.hpp"

#include <map>

#include <gtest/gtest.h>

namespace portico::agent {
namespace {

using Vars = std::map<std::string, std::string>;

Environment env(Vars values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

Config expect_config(Vars values) {
  auto loaded = load_config(env(std::move(values)));
  EXPECT_TRUE(std::holds_alternative<Config>(loaded))
      << (std::holds_alternative<ConfigError>(loaded) ? std::get<ConfigError>(loaded).message : "");
  return std::holds_alternative<Config>(loaded) ? std::get<Config>(loaded) : Config{};
}

void expect_error(Vars values, const std::string& variable, int code) {
  auto loaded = load_config(env(std::move(values)));
  ASSERT_TRUE(std::holds_alternative<ConfigError>(loaded)) << "expected an error naming " << variable;
  const auto& e = std::get<ConfigError>(loaded);
  EXPECT_EQ(e.variable, variable);
  EXPECT_EQ(e.exit_code, code);
  EXPECT_NE(e.message.find(variable), std::string::npos);
  EXPECT_NE(e.message.find("example: "), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << "one line";
}

TEST(Config, Hub) {
  auto c = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}});
  EXPECT_EQ(c.role, Role::hub);
  EXPECT_EQ(c.listen.port, 4000);
  EXPECT_EQ(c.log_level, LogLevel::info);
}

TEST(Config, Inlet) {
  auto c = expect_config({{"OCKAM_HUB", "hub.example.com:4000"}, {"OCKAM_IN", "127.0.0.1:15432"},
                          {"OCKAM_FORWARD", "pg-device"}});
  EXPECT_EQ(c.role, Role::inlet);
  EXPECT_EQ(c.hub.host, "hub.example.com");
  EXPECT_EQ(c.inlet_listen.port, 15432);
  EXPECT_EQ(c.forward, "pg-device");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, Outlet) {
  auto c = expect_config({{"OCKAM_HUB", "10.0.0.1:4000"}, {"OCKAM_OUT", "127.0.0.1:5432"},
                          {"OCKAM_RELAY", "pg"}, {"OCKAM_DATA", "/data/portico"}, {"BALENA_DEVICE_UUID", "abc"}});
  EXPECT_EQ(c.role, Role::outlet);
  EXPECT_EQ(c.outlet_target.port, 5432);
  EXPECT_EQ(c.relay, "pg");
  EXPECT_EQ(c.data_dir, "/data/portico");
  EXPECT_EQ(c.device_uuid, "abc");
}

TEST(Config, InletWinsOverOutletWithAWarning) {
  auto c = expect_config({{"OCKAM_HUB", "h:1"}, {"OCKAM_IN", "127.0.0.1:1"}, {"OCKAM_FORWARD", "x"},
                          {"OCKAM_OUT", "127.0.0.1:2"}});
  EXPECT_EQ(c.role, Role::inlet);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("OCKAM_OUT"), std::string::npos);
}

TEST(Config, EachBadVariableNamesItself) {
  expect_error({}, "OCKAM_IN", exit_code::kRole);
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:99999"}}, "OCKAM_LISTEN", exit_code::kListen);
  expect_error({{"OCKAM_LISTEN", ""}}, "OCKAM_LISTEN", exit_code::kListen);
  expect_error({{"OCKAM_OUT", "127.0.0.1:5432"}}, "OCKAM_HUB", exit_code::kHub);
  expect_error({{"OCKAM_OUT", "127.0.0.1:5432"}, {"OCKAM_HUB", "hub"}}, "OCKAM_HUB", exit_code::kHub);
  expect_error({{"OCKAM_IN", "127.0.0.1"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_FORWARD", "x"}}, "OCKAM_IN", exit_code::kIn);
  expect_error({{"OCKAM_IN", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}}, "OCKAM_FORWARD", exit_code::kForward);
  expect_error({{"OCKAM_IN", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_FORWARD", "a b"}}, "OCKAM_FORWARD",
               exit_code::kForward);
  expect_error({{"OCKAM_OUT", "localhost:0"}, {"OCKAM_HUB", "h:1"}}, "OCKAM_OUT", exit_code::kOut);
  expect_error({{"OCKAM_OUT", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_RELAY", "bad/name"}}, "OCKAM_RELAY",
               exit_code::kRelay);
  expect_error({{"OCKAM_OUT", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_DATA", "relative/dir"}}, "OCKAM_DATA",
               exit_code::kData);
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_LOG", "loud"}}, "OCKAM_LOG", exit_code::kLog);
}

TEST(Config, LimitsHaveDefaultsAndEachBadOneNamesItself) {
  auto c = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}});
  EXPECT_EQ(c.connections.max_total, 1024u);
  EXPECT_EQ(c.connections.max_per_address, 16u);
  EXPECT_EQ(c.handshakes.max_pending, 256u);
  EXPECT_EQ(c.handshakes.max_channels_per_source, 8u);
  EXPECT_EQ(c.max_streams_per_peer, 256u);
  c = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_MAX_CONNECTIONS", "10"},
                     {"OCKAM_MAX_CONNECTIONS_PER_ADDRESS", "3"}, {"OCKAM_MAX_PENDING_HANDSHAKES", "40"},
                     {"OCKAM_MAX_CHANNELS_PER_LINK", "2"}, {"OCKAM_MAX_STREAMS_PER_PEER", "5"}});
  EXPECT_EQ(c.connections.max_total, 10u);
  EXPECT_EQ(c.connections.max_per_address, 3u);
  EXPECT_EQ(c.handshakes.max_pending, 40u);
  EXPECT_EQ(c.handshakes.early_drop_from, 20u);
  EXPECT_EQ(c.handshakes.max_channels_per_source, 2u);
  EXPECT_EQ(c.max_streams_per_peer, 5u);
  const Vars hub{{"OCKAM_LISTEN", "0.0.0.0:4000"}};
  auto with = [&](const char* name, const char* value) { Vars v = hub; v[name] = value; return v; };
  expect_error(with("OCKAM_MAX_CONNECTIONS", "0"), "OCKAM_MAX_CONNECTIONS", exit_code::kMaxConnections);
  expect_error(with("OCKAM_MAX_CONNECTIONS", "lots"), "OCKAM_MAX_CONNECTIONS", exit_code::kMaxConnections);
  expect_error(with("OCKAM_MAX_CONNECTIONS_PER_ADDRESS", "-1"), "OCKAM_MAX_CONNECTIONS_PER_ADDRESS",
               exit_code::kMaxConnectionsPerAddress);
  expect_error(with("OCKAM_MAX_PENDING_HANDSHAKES", "99999999"), "OCKAM_MAX_PENDING_HANDSHAKES",
               exit_code::kMaxPendingHandshakes);
  expect_error(with("OCKAM_MAX_CHANNELS_PER_LINK", ""), "OCKAM_MAX_CHANNELS_PER_LINK", exit_code::kMaxChannelsPerLink);
  expect_error(with("OCKAM_MAX_STREAMS_PER_PEER", "1.5"), "OCKAM_MAX_STREAMS_PER_PEER", exit_code::kMaxStreamsPerPeer);
}

TEST(Config, AllowDefaultsToOperatorsAndAnyMeansAnyMember) {
  const Vars outlet{{"OCKAM_HUB", "h:1"}, {"OCKAM_OUT", "127.0.0.1:2"}};
  auto c = expect_config(outlet);
  EXPECT_EQ(c.allow, (std::map<std::string, std::string>{{"role", "operator"}}));
  EXPECT_TRUE(c.allow_is_default);
  Vars any = outlet;
  any["OCKAM_ALLOW"] = "any";
  c = expect_config(any);
  EXPECT_TRUE(c.allow.empty());
  EXPECT_FALSE(c.allow_is_default);
  Vars site = outlet;
  site["OCKAM_ALLOW"] = "site=berlin";
  c = expect_config(site);
  EXPECT_EQ(c.allow, (std::map<std::string, std::string>{{"site", "berlin"}}));
}

TEST(Config, MetricsAddressForEveryRole) {
  EXPECT_FALSE(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}}).metrics);
  auto hub = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_METRICS", "0.0.0.0:9464"}});
  ASSERT_TRUE(hub.metrics);
  EXPECT_EQ(hub.metrics->port, 9464);
  auto outlet = expect_config({{"OCKAM_OUT", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_METRICS", "127.0.0.1:9465"}});
  ASSERT_TRUE(outlet.metrics);
  EXPECT_EQ(outlet.metrics->host, "127.0.0.1");
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_METRICS", "9464"}}, "OCKAM_METRICS", exit_code::kMetrics);
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_METRICS", ""}}, "OCKAM_METRICS", exit_code::kMetrics);
}

TEST(Config, RelayTrust) {
  const std::string outlet_id = "I" + std::string(64, 'c');
  auto inlet = expect_config({{"OCKAM_HUB", "h:1"}, {"OCKAM_IN", "127.0.0.1:1"}, {"OCKAM_FORWARD", "dev1"},
                              {"OCKAM_FORWARD_IDENTITY", outlet_id}});
  EXPECT_EQ(inlet.forward_identity, outlet_id);
  auto hub = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_RELAY_NAMES_PER_IDENTITY", "3"},
                            {"OCKAM_RELAY_KEEP", "30d"}});
  EXPECT_EQ(hub.relay_names_per_identity, 3u);
  EXPECT_EQ(hub.relay_keep, std::chrono::seconds(30 * 24 * 3600));
  EXPECT_FALSE(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}}).relay_names_per_identity) << "default: the core's";
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_FORWARD_IDENTITY", "Inope"}}, "OCKAM_FORWARD_IDENTITY",
               exit_code::kForwardIdentity);
  for (const char* bad : {"0", "-1", "8x", "", "65537"}) {
    expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_RELAY_NAMES_PER_IDENTITY", bad}},
                 "OCKAM_RELAY_NAMES_PER_IDENTITY", exit_code::kRelayNamesPerIdentity);
  }
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_RELAY_KEEP", "forever"}}, "OCKAM_RELAY_KEEP",
               exit_code::kRelayKeep);
}

TEST(Config, DirectPathVariables) {
  const auto hub = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}});
  EXPECT_FALSE(hub.listen_udp) << "unset: the rendezvous takes OCKAM_LISTEN's address";
  EXPECT_FALSE(hub.listen_udp_off);
  const auto moved = expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_LISTEN_UDP", "0.0.0.0:4001"}});
  ASSERT_TRUE(moved.listen_udp);
  EXPECT_EQ(moved.listen_udp->port, 4001);
  EXPECT_TRUE(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_LISTEN_UDP", "off"}}).listen_udp_off);
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_LISTEN_UDP", "4001"}}, "OCKAM_LISTEN_UDP",
               exit_code::kListenUdp);
  EXPECT_TRUE(expect_config({{"OCKAM_OUT", "127.0.0.1:5432"}, {"OCKAM_HUB", "h:1"}}).p2p) << "on by default";
  EXPECT_FALSE(expect_config({{"OCKAM_OUT", "127.0.0.1:5432"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_P2P", "off"}}).p2p);
  expect_error({{"OCKAM_OUT", "127.0.0.1:5432"}, {"OCKAM_HUB", "h:1"}, {"OCKAM_P2P", "maybe"}}, "OCKAM_P2P",
               exit_code::kP2p);
}

TEST(Config, AMissingVariableIsUnconfiguredAndIdlesOnlyWhenAskedTo) {
  // Not set at all: unconfigured (the same line and exit code; with OCKAM_UNCONFIGURED=idle the agent waits).
  for (const Vars& vars : {Vars{}, Vars{{"OCKAM_OUT", "127.0.0.1:5432"}},
                           Vars{{"OCKAM_IN", "127.0.0.1:1"}, {"OCKAM_HUB", "h:1"}}}) {
    auto plain = load_config(env(vars));
    ASSERT_TRUE(std::holds_alternative<ConfigError>(plain));
    EXPECT_TRUE(std::get<ConfigError>(plain).unconfigured);
    EXPECT_FALSE(std::get<ConfigError>(plain).idle);
    Vars idle = vars;
    idle["OCKAM_UNCONFIGURED"] = "idle";
    auto waiting = load_config(env(idle));
    ASSERT_TRUE(std::holds_alternative<ConfigError>(waiting));
    EXPECT_TRUE(std::get<ConfigError>(waiting).idle) << std::get<ConfigError>(waiting).message;
    EXPECT_EQ(std::get<ConfigError>(waiting).exit_code, std::get<ConfigError>(plain).exit_code);
  }
  // Set but wrong is never idle: the line and the exit code, whatever OCKAM_UNCONFIGURED says.
  auto wrong = load_config(env({{"OCKAM_OUT", "127.0.0.1:5432"}, {"OCKAM_HUB", ""}, {"OCKAM_UNCONFIGURED", "idle"}}));
  ASSERT_TRUE(std::holds_alternative<ConfigError>(wrong));
  EXPECT_FALSE(std::get<ConfigError>(wrong).unconfigured);
  EXPECT_FALSE(std::get<ConfigError>(wrong).idle);
  EXPECT_EQ(std::get<ConfigError>(wrong).exit_code, exit_code::kHub);
  EXPECT_TRUE(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_UNCONFIGURED", "idle"}}).idle_when_unconfigured);
  EXPECT_FALSE(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_UNCONFIGURED", "exit"}}).idle_when_unconfigured);
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_UNCONFIGURED", "wait"}}, "OCKAM_UNCONFIGURED",
               exit_code::kUnconfigured);
}

TEST(Config, DisableSwitchStopsEveryRoleCalmly) {
  for (const char* on : {"1", "true", "yes"}) {
    auto off = load_config(env({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_DISABLE", on}}));
    ASSERT_TRUE(std::holds_alternative<ConfigError>(off)) << on;
    EXPECT_EQ(std::get<ConfigError>(off).variable, "OCKAM_DISABLE");
    EXPECT_EQ(std::get<ConfigError>(off).exit_code, 0);
    EXPECT_TRUE(std::get<ConfigError>(off).unconfigured);
  }
  auto idle = load_config(env({{"OCKAM_DISABLE", "1"}, {"OCKAM_UNCONFIGURED", "idle"}}));
  ASSERT_TRUE(std::holds_alternative<ConfigError>(idle));
  EXPECT_TRUE(std::get<ConfigError>(idle).idle);
  for (const char* no : {"0", "false", "no", ""}) {
    EXPECT_EQ(expect_config({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_DISABLE", no}}).role, Role::hub) << no;
  }
  expect_error({{"OCKAM_LISTEN", "0.0.0.0:4000"}, {"OCKAM_DISABLE", "maybe"}}, "OCKAM_DISABLE", exit_code::kDisable);
}

}  // namespace
}  // namespace portico::agent
