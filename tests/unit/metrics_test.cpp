#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include "metrics/health.hpp"
#include "metrics/http_scrape.hpp"

namespace portico::metrics {
namespace {

// The value of the sample line that starts with `series` ("name" or "name{labels}"), or -1.
long long sample_value(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const auto at = ("\n" + text).find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size() - 1));
}

TEST(Metrics, RendersEveryCounterAndGaugeWithHelpAndType) {
  Snapshot s{.role = "outlet", .version = "0.1.0",
             .counters = {.portal_bytes_in = 5000205, .portal_bytes_out = 83, .streams_opened = 4,
                          .relay_registrations = 2, .reconnects = 1, .handshake_failures = 3,
                          .direct_rounds = 7, .direct_proven = 2, .direct_lost = 1, .direct_paths_up = 1,
                          .direct_link_bytes_direct = 900, .direct_link_bytes_relay = 12},
             .open_streams = 2, .relays_registered = 1, .hub_link_up = true};
  const std::string text = render_prometheus(s);
  EXPECT_EQ(sample_value(text, "portico_portal_bytes_total{direction=\"in\"}"), 5000205);
  EXPECT_EQ(sample_value(text, "portico_portal_bytes_total{direction=\"out\"}"), 83);
  EXPECT_EQ(sample_value(text, "portico_portal_open_streams"), 2);
  EXPECT_EQ(sample_value(text, "portico_portal_streams_opened_total"), 4);
  EXPECT_EQ(sample_value(text, "portico_relays_registered"), 1);
  EXPECT_EQ(sample_value(text, "portico_relay_registrations_total"), 2);
  EXPECT_EQ(sample_value(text, "portico_hub_link_reconnects_total"), 1);
  EXPECT_EQ(sample_value(text, "portico_handshake_failures_total"), 3);
  EXPECT_EQ(sample_value(text, "portico_hub_link_up"), 1);
  EXPECT_EQ(sample_value(text, "portico_direct_path_attempts_total"), 7);
  EXPECT_EQ(sample_value(text, "portico_direct_path_successes_total"), 2);
  EXPECT_EQ(sample_value(text, "portico_direct_path_losses_total"), 1);
  EXPECT_EQ(sample_value(text, "portico_direct_paths"), 1);
  EXPECT_EQ(sample_value(text, "portico_direct_link_bytes_total{path=\"direct\"}"), 900);
  EXPECT_EQ(sample_value(text, "portico_direct_link_bytes_total{path=\"relay\"}"), 12);
  EXPECT_EQ(sample_value(text, "portico_info{role=\"outlet\",version=\"0.1.0\"}"), 1);
  EXPECT_NE(text.find("# TYPE portico_portal_bytes_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE portico_portal_open_streams gauge\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  // Every metric has exactly one HELP and one TYPE line before its samples.
  std::size_t helps = 0, types = 0;
  for (std::size_t at = 0; (at = text.find("# HELP ", at)) != std::string::npos; ++at) ++helps;
  for (std::size_t at = 0; (at = text.find("# TYPE ", at)) != std::string::npos; ++at) ++types;
  EXPECT_EQ(helps, 15u);  // with portico_build_info and the five direct-path series
  EXPECT_EQ(types, 15u);
  EXPECT_EQ(sample_value(text, "portico_build_info{version=\"0.1.0\"}"), 1);
}

TEST(Metrics, HubHasNoLinkStateAndLinkDownIsZero) {
  EXPECT_EQ(render_prometheus({.role = "hub", .version = "1"}).find("portico_hub_link_up"), std::string::npos);
  EXPECT_EQ(render_prometheus({.role = "hub", .version = "1"}).find("portico_direct_paths"), std::string::npos);
  EXPECT_EQ(sample_value(render_prometheus({.role = "inlet", .version = "1", .hub_link_up = false}),
                         "portico_hub_link_up"), 0);
}

TEST(Metrics, ProcessCredentialAndRelaySeries) {
  Snapshot s{.role = "hub", .version = "1",
             .process = ProcessStats{.resident_bytes = 4096000, .cpu_seconds = 1.5, .start_time_seconds = 1700000010,
                                     .open_fds = 12},
             .credential_expires_at = 1800003600,
             .relays = {{.name = "pg-1", .online = true, .bytes_to_owner = 10, .bytes_from_owner = 20},
                        {.name = "we\"ird\\", .online = false}}};
  const std::string text = render_prometheus(s);
  EXPECT_EQ(sample_value(text, "process_resident_memory_bytes"), 4096000);
  EXPECT_EQ(sample_value(text, "process_open_fds"), 12);
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total 1.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_start_time_seconds 1700000010\n"), std::string::npos) << text;
  EXPECT_EQ(sample_value(text, "portico_credential_expiry_timestamp_seconds"), 1800003600);
  EXPECT_EQ(sample_value(text, "portico_relay_online{relay=\"pg-1\"}"), 1);
  EXPECT_EQ(sample_value(text, "portico_relay_online{relay=\"we\\\"ird\\\\\"}"), 0) << text;
  EXPECT_EQ(sample_value(text, "portico_relay_bytes_total{relay=\"pg-1\",direction=\"to_owner\"}"), 10);
  EXPECT_EQ(sample_value(text, "portico_relay_bytes_total{relay=\"pg-1\",direction=\"from_owner\"}"), 20);
  EXPECT_NE(text.find("# TYPE portico_relay_bytes_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  // Without them: no process, credential or relay series (an outlet has no relay table).
  const std::string bare = render_prometheus({.role = "outlet", .version = "1"});
  EXPECT_EQ(bare.find("process_"), std::string::npos);
  EXPECT_EQ(bare.find("portico_credential_expiry"), std::string::npos);
  EXPECT_EQ(bare.find("portico_relay_online"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  const std::string text = render_prometheus({.role = "hub", .version = "1\"x"});
  EXPECT_NE(text.find("version=\"1\\\"x\""), std::string::npos) << text;
}

TEST(HttpScrape, GetMetricsOnceTheHeadersAreComplete) {
  EXPECT_EQ(classify_request("GET /metrics HTTP/1.1\r\nHost: x\r\n"), ScrapeRequest::incomplete);
  EXPECT_EQ(classify_request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), ScrapeRequest::metrics);
  EXPECT_EQ(classify_request("GET /metrics?name[]=x HTTP/1.0\n\n"), ScrapeRequest::metrics);
  EXPECT_EQ(classify_request("GET /"), ScrapeRequest::incomplete);
}

TEST(HttpScrape, OtherPathsMethodsAndGarbage) {
  EXPECT_EQ(classify_request("GET / HTTP/1.1\r\n\r\n"), ScrapeRequest::not_found);
  EXPECT_EQ(classify_request("GET /metricsx HTTP/1.1\r\n\r\n"), ScrapeRequest::not_found);
  EXPECT_EQ(classify_request("POST /metrics HTTP/1.1\r\n\r\n"), ScrapeRequest::bad_method);
  EXPECT_EQ(classify_request("hello\r\n"), ScrapeRequest::bad_request);
  EXPECT_EQ(classify_request("GET /metrics SPDY/3\r\n\r\n"), ScrapeRequest::bad_request);
  EXPECT_EQ(classify_request("GET  /metrics HTTP/1.1\r\n\r\n"), ScrapeRequest::bad_request);
}

TEST(HttpScrape, RequestsAreBounded) {
  EXPECT_EQ(classify_request(std::string(kMaxRequestBytes, 'G')), ScrapeRequest::too_large);
  std::string endless = "GET /metrics HTTP/1.1\r\n";
  while (endless.size() < kMaxRequestBytes) endless += "X-Filler: aaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(classify_request(endless), ScrapeRequest::too_large);
}

TEST(HttpScrape, ResponsesCarryLengthTypeAndClose) {
  const std::string ok = http_response(ScrapeRequest::metrics, "a 1\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_NE(ok.find("Connection: close\r\n\r\na 1\n"), std::string::npos);
  EXPECT_EQ(http_response(ScrapeRequest::not_found, "ignored").rfind("HTTP/1.1 404 ", 0), 0u);
  const std::string not_allowed = http_response(ScrapeRequest::bad_method, "");
  EXPECT_EQ(not_allowed.rfind("HTTP/1.1 405 ", 0), 0u);
  EXPECT_NE(not_allowed.find("Allow: GET\r\n"), std::string::npos);
  EXPECT_EQ(http_response(ScrapeRequest::too_large, "").rfind("HTTP/1.1 431 ", 0), 0u);
  EXPECT_EQ(http_response(ScrapeRequest::bad_request, "").rfind("HTTP/1.1 400 ", 0), 0u);
}

TEST(Health, OutletNeedsTheLinkAndTheRegistration) {
  HealthInputs in{.role = "outlet", .local = "127.0.0.1:5432", .hub = "10.0.0.1:4000", .hub_link_up = true,
                  .relay = "pg-1", .relay_registered = true};
  Health h = judge_health(in);
  EXPECT_TRUE(h.healthy);
  EXPECT_EQ(h.line, "healthy: outlet relay \"pg-1\" registered -> 127.0.0.1:5432, link to hub 10.0.0.1:4000 up");
  in.relay_registered = false;
  h = judge_health(in);
  EXPECT_FALSE(h.healthy);
  EXPECT_EQ(h.line.rfind("unhealthy: ", 0), 0u);
  EXPECT_NE(h.line.find("not registered"), std::string::npos);
  in.relay_registered = true;
  in.hub_link_up = false;
  EXPECT_FALSE(judge_health(in).healthy);
}

TEST(Health, InletNeedsTheLinkAndTheHubOnlyRuns) {
  HealthInputs inlet{.role = "inlet", .local = "127.0.0.1:15432", .hub = "h:4000", .hub_link_up = false, .relay = "pg"};
  EXPECT_FALSE(judge_health(inlet).healthy);
  EXPECT_EQ(judge_health(inlet).line, "unhealthy: inlet 127.0.0.1:15432 -> relay \"pg\", link to hub h:4000 down");
  inlet.hub_link_up = true;
  EXPECT_TRUE(judge_health(inlet).healthy);
  const Health hub = judge_health({.role = "hub", .local = "0.0.0.0:4000", .relays = 3});
  EXPECT_TRUE(hub.healthy);
  EXPECT_EQ(hub.line, "healthy: hub listening on 0.0.0.0:4000, 3 relays registered");
}

TEST(Health, LinesAreSingleAndBounded) {
  const std::string long_host(5000, 'h');
  const Health h = judge_health({.role = "inlet", .local = "a\nb", .hub = long_host, .relay = "x"});
  EXPECT_EQ(h.line.find('\n'), std::string::npos);
  EXPECT_LE(h.line.size(), kMaxHealthLineBytes);
  EXPECT_FALSE(judge_health({.role = "bogus", .local = ""}).healthy);
}

}  // namespace
}  // namespace portico::metrics
