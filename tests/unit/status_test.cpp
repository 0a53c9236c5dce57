#include "metrics/status.hpp"

#include <gtest/gtest.h>

#include "metrics/process.hpp"

namespace portico::metrics {
namespace {

constexpr std::uint64_t kNow = 1'800'000'000;

NodeStatus outlet_status() {
  return NodeStatus{
      .role = "outlet", .version = "0.4.0", .identity = "I7c", .started_at = kNow - 90, .uptime_seconds = 90,
      .hub = HubLinkStatus{.address = "hub:4000", .link_up = true, .since = kNow - 60, .channel_up = true},
      .credential = CredentialStatus{.attributes = {{"role", "device"}, {"site", "a\"b"}}, .expires_at = kNow + 3600},
      .outlets = {{.relay = "pg-1", .target = "127.0.0.1:5432", .registered = true, .open_streams = 2,
                   .bytes_in = 100, .bytes_out = 20}},
      .peers = {{.identity = "I3f", .streams = 2}},
  };
}

TEST(StatusJson, OutletHasEveryPart) {
  EXPECT_EQ(render_status_json(outlet_status()),
            "{\"role\":\"outlet\",\"version\":\"0.4.0\",\"identity\":\"I7c\",\"started_at\":1799999910,"
            "\"uptime_seconds\":90,\"hub\":{\"address\":\"hub:4000\",\"link_up\":true,\"since\":1799999940,"
            "\"channel_up\":true},\"credential\":{\"attributes\":{\"role\":\"device\",\"site\":\"a\\\"b\"},"
            "\"expires_at\":1800003600},\"inlets\":[],\"outlets\":[{\"relay\":\"pg-1\",\"target\":\"127.0.0.1:5432\","
            "\"registered\":true,\"open_streams\":2,\"bytes_in\":100,\"bytes_out\":20}],\"peers\":[{\"identity\":"
            "\"I3f\",\"streams\":2,\"path\":\"relay\"}]}");
}

TEST(StatusJson, NodeWithoutCredentialSaysNull) {
  NodeStatus s{.role = "inlet", .version = "1", .hub = HubLinkStatus{.address = "h:1"},
               .inlets = {{.listen = "127.0.0.1:15432", .relay = "pg"}}};
  const std::string json = render_status_json(s);
  EXPECT_NE(json.find("\"credential\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"inlets\":[{\"listen\":\"127.0.0.1:15432\",\"relay\":\"pg\",\"open_streams\":0"),
            std::string::npos) << json;
  EXPECT_EQ(json.find("relays"), std::string::npos) << json;
}

TEST(StatusJson, HubListsRelaysSortedWithoutHubLink) {
  NodeStatus s{.role = "hub", .version = "1", .identity = "Ih",
               .relays = {{.name = "b", .owner = "I2", .online = false, .since = 5},
                          {.name = "a", .owner = "I1", .online = true, .since = 7, .bytes_to_owner = 3,
                           .bytes_from_owner = 4, .senders = 1}},
               .members_connected = 2};
  const std::string json = render_status_json(s);
  EXPECT_EQ(json.find("\"hub\":"), std::string::npos) << json;
  EXPECT_NE(json.find("\"relays\":[{\"name\":\"a\",\"owner\":\"I1\",\"online\":true,\"since\":7,\"bytes_to_owner\":3,"
                      "\"bytes_from_owner\":4,\"senders\":1},{\"name\":\"b\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"members_connected\":2}"), std::string::npos) << json;
}

TEST(StatusText, SaysWhatIsUpAndWhen) {
  const std::string text = render_status_text(outlet_status(), kNow);
  EXPECT_NE(text.find("outlet 0.4.0, identity I7c, up 1m 30s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hub hub:4000: link up since 2027-01-15T07:59:00Z (1m 0s ago), secure channel up"), std::string::npos) << text;
  EXPECT_NE(text.find("credential: role=device, site=a\"b, expires "), std::string::npos) << text;
  EXPECT_NE(text.find("outlet relay \"pg-1\" registered -> 127.0.0.1:5432: 2 open streams"), std::string::npos) << text;
  EXPECT_NE(text.find("peer I3f via relay: 2 streams"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  NodeStatus hub{.role = "hub", .version = "1", .relays = {{.name = "pg", .owner = "I1", .since = kNow - 7200}},
                 .members_connected = 0};
  EXPECT_NE(render_status_text(hub, kNow).find("relay \"pg\" of I1: offline since "), std::string::npos);
  EXPECT_NE(render_status_text(hub, kNow).find("(2h 0m ago)"), std::string::npos);
}

TEST(StatusRequest, OneBoundedLine) {
  EXPECT_EQ(classify_status_request(""), StatusRequest::incomplete);
  EXPECT_EQ(classify_status_request("stat"), StatusRequest::incomplete);
  EXPECT_EQ(classify_status_request("status\n"), StatusRequest::status_json);
  EXPECT_EQ(classify_status_request("status\r\n"), StatusRequest::status_json);
  EXPECT_EQ(classify_status_request("status text\n"), StatusRequest::status_text);
  EXPECT_EQ(classify_status_request("health\n"), StatusRequest::health);
  EXPECT_EQ(classify_status_request("ready\n"), StatusRequest::health);
  EXPECT_EQ(classify_status_request("STATUS\n"), StatusRequest::unknown);
  EXPECT_EQ(classify_status_request(std::string(kMaxStatusRequestBytes, 'a')), StatusRequest::unknown);
  EXPECT_EQ(classify_status_request(std::string(kMaxStatusRequestBytes + 5, 'a') + "\n"), StatusRequest::unknown);
}

// A real /proc/self/stat line, with a command name holding spaces and a parenthesis.
constexpr std::string_view kStat =
    "4242 (porti co) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 1 0 1000 12345678 2500 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesProcSelfStat) {
  const auto stats = parse_proc_self_stat(kStat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->resident_bytes, 2500u * 4096u);
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 3.0);                   // (250 + 50) / 100
  EXPECT_DOUBLE_EQ(stats->start_time_seconds, 1'700'000'010);  // boot + 1000 / 100
}

TEST(ProcessStats, RefusesMalformedText) {
  EXPECT_FALSE(parse_proc_self_stat("", 100, 4096, 0));
  EXPECT_FALSE(parse_proc_self_stat("4242 (x) S 1 2 3", 100, 4096, 0));
  EXPECT_FALSE(parse_proc_self_stat("4242 x S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 1 0 1000 1 2 3", 100, 4096, 0));
  std::string bad(kStat);
  bad.replace(bad.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(parse_proc_self_stat(bad, 100, 4096, 0));
  EXPECT_FALSE(parse_proc_self_stat(kStat, 0, 4096, 0));
}

TEST(ProcessStats, BootTimeFromProcStat) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1'700'000'000u);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\n"));
  EXPECT_FALSE(parse_boot_time("btime -1\n"));
  EXPECT_FALSE(parse_boot_time("xbtime 5\n"));
}

}  // namespace
}  // namespace portico::metrics
