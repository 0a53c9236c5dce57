#pragma once
// What a node counts while it runs, and the Prometheus text exposition of it (format 0.0.4) as a pure function.
//
//   auto counters = std::make_shared<metrics::Counters>();   // shared by the portal streams and the agent
//   PortalOptions{.counters = counters};                      // streams add the bytes they carry
//   metrics::Snapshot s{.role = "outlet", .counters = *counters, .open_streams = outlet->open_streams()};
//   std::string body = metrics::render_prometheus(s);          // served at /metrics by the agent's HTTP shell
//
// Counters only grow (Prometheus computes rates); gauges are read from their owners when a snapshot is taken.
// Thread safety: none; the counters are touched from the node's one io_context thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/process.hpp"
#include "metrics/status.hpp"

namespace portico::metrics {

struct Counters {
  // Portal payload bytes. "in": read from a local TCP connection and sent into the portal; "out": arrived
  // through the portal and written to a local TCP connection. An inlet's "in" is its clients' requests, an
  // outlet's "in" is its service's replies.
  std::uint64_t portal_bytes_in = 0;
  std::uint64_t portal_bytes_out = 0;
  std::uint64_t streams_opened = 0;       // portal streams that reached the open state
  std::uint64_t relay_registrations = 0;  // outlet: registrations the hub confirmed (the first and re-registrations)
  std::uint64_t reconnects = 0;           // the hub link coming up again after it was up once
  std::uint64_t handshake_failures = 0;   // secure channel handshakes that failed, either side
  // Direct paths (inlet, outlet; p2p/direct_paths.hpp).
  std::uint64_t direct_rounds = 0;     // rounds of probes to a peer (punch attempts)
  std::uint64_t direct_proven = 0;     // direct paths proven (punch successes)
  std::uint64_t direct_lost = 0;       // proven paths that went silent
  std::uint64_t direct_paths_up = 0;   // a gauge: peers with a proven direct path now
  std::uint64_t direct_link_bytes_direct = 0;  // direct links' QUIC packet bytes sent over the direct path
  std::uint64_t direct_link_bytes_relay = 0;   // ... and over the relay (while the direct path was silent)
};

// One portal's payload bytes (an inlet or an outlet of a node with several), as Counters counts them for all.
struct PortalBytes {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};

struct Snapshot {
  std::string_view role;     // "hub", "inlet" or "outlet"
  std::string_view version;  // the agent's version
  Counters counters{};
  std::uint64_t open_streams = 0;
  // Hub: relay names in its table. Outlet: 1 while its relay is registered, else 0.
  std::uint64_t relays_registered = 0;
  std::optional<bool> hub_link_up{};  // inlet and outlet; nothing on the hub
  std::optional<ProcessStats> process{};              // process_* metrics (nothing when /proc is unreadable)
  std::optional<std::uint64_t> credential_expires_at{};  // inlet, outlet: once enrolled
  // Hub: one portico_relay_online and two portico_relay_bytes_total series per name in its relay table (bounded
  // by the table's kMaxNames and OCKAM_RELAY_NAMES_PER_IDENTITY per member).
  std::vector<RelayStatus> relays{};
};

// The whole exposition: every metric with its HELP and TYPE lines, ending in a newline.
std::string render_prometheus(const Snapshot& snapshot);

// A label value escaped as the exposition format requires (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

// The Content-Type that goes with render_prometheus()'s text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace portico::metrics
