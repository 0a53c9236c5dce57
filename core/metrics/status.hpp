#pragma once
// NodeStatus: what `portico status` shows of a running node, as plain values, and its two renderings (pure).
// The agent's status socket fills one from the node's parts when asked and answers with render_status_json();
// `portico status` prints that (--json) or render_status_text().
//
// JSON (one object, keys always present unless marked optional):
//   {"role": "hub"|"inlet"|"outlet", "version": "0.4.0", "identity": "I3f2a...", "uptime_seconds": 12,
//    "started_at": 1764662400,
//    "hub": {"address": "hub:4000", "link_up": true, "since": 1764662401, "channel_up": true}       (not on a hub)
//    "credential": {"attributes": {"role": "device"}, "expires_at": 1765267200} | null            (not on a hub)
//    "inlets":  [{"listen": "127.0.0.1:15432", "relay": "pg-1", "open_streams": 1, "bytes_in": 10, "bytes_out": 20}],
//    "outlets": [{"relay": "pg-1", "target": "127.0.0.1:5432", "registered": true, "open_streams": 0,
//                 "bytes_in": 0, "bytes_out": 0}],
//    "peers":   [{"identity": "I7c1e...", "streams": 1, "path": "relay"}],
//    "relays":  [{"name": "pg-1", "owner": "I7c1e...", "online": true, "since": 1764662402,
//                 "bytes_to_owner": 100, "bytes_from_owner": 200, "senders": 1}]                   (hub)
//    "members_connected": 3}                                                                      (hub)
// Times are seconds since the Unix epoch (0: unknown); bytes count what the node carried for that part.
// Relays are sorted by name, so the output is stable; their number is bounded by the hub's relay table.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::metrics {

struct HubLinkStatus {
  std::string address;        // host:port
  bool link_up = false;       // the TCP link
  std::uint64_t since = 0;    // when the link last came up or went down
  bool channel_up = false;    // the secure channel to the hub over it (what a member can use)
};

struct CredentialStatus {
  std::map<std::string, std::string> attributes;
  std::uint64_t expires_at = 0;
};

struct InletStatus {
  std::string listen;
  std::string relay;
  std::uint64_t open_streams = 0;
  std::uint64_t bytes_in = 0;   // read from local clients into the portal
  std::uint64_t bytes_out = 0;  // written to local clients from the portal
};

struct OutletStatus {
  std::string relay;
  std::string target;
  bool registered = false;
  std::uint64_t open_streams = 0;
  std::uint64_t bytes_in = 0;   // read from the target into the portal
  std::uint64_t bytes_out = 0;  // written to the target from the portal
};

// An end-to-end channel: the identity at its other end and the way it goes ("relay": through the hub).
struct PeerStatus {
  std::string identity;
  std::uint64_t streams = 0;
  std::string path = "relay";
};

// A relay name on the hub.
struct RelayStatus {
  std::string name;
  std::string owner;
  bool online = false;
  std::uint64_t since = 0;             // online: when it registered; offline: when it was last seen
  std::uint64_t bytes_to_owner = 0;    // routed to the owner's node through the relay since the hub started
  std::uint64_t bytes_from_owner = 0;  // the owner's answers routed back through it
  std::uint64_t senders = 0;           // nodes with a reply address through it now (their channels reach the owner)
};

struct NodeStatus {
  std::string role;     // "hub", "inlet" or "outlet"
  std::string version;
  std::string identity;
  std::uint64_t started_at = 0;
  std::uint64_t uptime_seconds = 0;
  std::optional<HubLinkStatus> hub;             // inlet, outlet
  std::optional<CredentialStatus> credential;   // inlet, outlet: nothing before enrollment
  std::vector<InletStatus> inlets;
  std::vector<OutletStatus> outlets;
  std::vector<PeerStatus> peers;
  std::vector<RelayStatus> relays;              // hub
  std::optional<std::uint64_t> members_connected;  // hub
};

// The object described above, on one line (no newline at the end).
std::string render_status_json(const NodeStatus& status);

// For people: a few lines per part, with times as UTC and ages relative to `now` (seconds since the epoch).
// Ends with a newline.
std::string render_status_text(const NodeStatus& status, std::uint64_t now);

}  // namespace portico::metrics

namespace portico::metrics {

// The status socket's one-line requests. A client sends one of these lines and reads the answer until the
// server closes; a client that sends nothing within the server's short wait gets the health line (older
// `portico health` asks that way).
//   "health" / "ready"  the health line (metrics::judge_health)     "status"  render_status_json()
//   "status text"       render_status_text()
inline constexpr std::size_t kMaxStatusRequestBytes = 64;
enum class StatusRequest { incomplete, health, status_json, status_text, unknown };

// What `received` (the bytes read so far) asks for: `incomplete` until a newline arrives (within
// kMaxStatusRequestBytes; longer is `unknown`). A trailing '\r' is ignored.
StatusRequest classify_status_request(std::string_view received);

}  // namespace portico::metrics
