#pragma once
// Monitor: what a running role shows of itself — Prometheus metrics on OCKAM_METRICS (metrics_server.hpp) and
// the status socket `portico health` asks (health.hpp) — fed by a few hooks the role sets:
//
//   Monitor monitor(node.io, config);
//   if (!monitor.start(data_dir)) return exit_code::kMetrics;            // after a one-line error
//   PortalInlet inlet(..., {.counters = monitor.counters()});             // streams count their bytes
//   monitor.watch({.hub_link = link, .open_streams = [&] { return inlet.open_streams(); }});
//
// The hub link's state and reconnects come from the link's state observer. Other layers add to counters()
// directly (e.g. handshake_failures). status() is what `portico status` shows (metrics/status.hpp): filled from
// the config, the counters and the sources; a source left unset leaves its part empty (the node layer fills the
// inlet's and outlet's peers). /metrics adds the process figures (process_reader.hpp), the credential's expiry
// and, on the hub, one series per relay name.
//
// Thread safety: none; the node's one io_context thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "config.hpp"
#include "health.hpp"
#include "metrics/metrics.hpp"
#include "metrics/status.hpp"
#include "routing/hub_path.hpp"

namespace portico::agent {

class Monitor {
 public:
  struct Sources {
    std::shared_ptr<HubPath> hub_link{};     // inlet, outlet: the TCP link (its reconnects are counted)
    std::shared_ptr<HubPath> hub_channel{};  // inlet, outlet: the secure channel over it (up = usable)
    std::function<std::uint64_t()> open_streams{};          // inlet, outlet
    std::string relay{};                                    // outlet: the relay name it registers
    std::function<bool()> relay_registered{};               // outlet
    std::function<std::uint64_t()> relays_registered{};     // hub: names in its relay table
    std::string identity{};                                 // this node's identifier
    std::function<Bytes()> credential{};                    // inlet, outlet: the encoded credential (empty: none yet)
    std::function<std::vector<metrics::PeerStatus>()> peers{};    // inlet, outlet: end-to-end channels
    std::function<std::vector<metrics::RelayStatus>()> relays{};  // hub: every relay name
    std::function<std::uint64_t()> members_connected{};          // hub: established member channels
    // A node with several portals: each inlet and outlet (instead of the one the configuration names).
    std::function<std::vector<metrics::InletStatus>()> inlets{};
    std::function<std::vector<metrics::OutletStatus>()> outlets{};
  };

  Monitor(asio::io_context& io, const Config& config);
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;
  ~Monitor();

  // Listens on OCKAM_METRICS (when set) and on the status socket in `data_dir`. False only when the metrics
  // address cannot be used, after a one-line error naming OCKAM_METRICS.
  bool start(const std::string& data_dir);
  void watch(Sources sources);
  const std::shared_ptr<metrics::Counters>& counters() const { return counters_; }

  metrics::Snapshot snapshot() const;
  metrics::Health health() const;
  metrics::NodeStatus status() const;

 private:
  struct LinkState {
    bool up = false;           // the secure channel (or the link, when there is no channel)
    bool link_up = false;      // the TCP link
    bool was_up = false;
    std::uint64_t since = 0;   // when the link last came up or went down (seconds since the epoch)
  };
  std::optional<metrics::CredentialStatus> credential() const;

  asio::io_context& io_;
  const Config& config_;
  std::shared_ptr<metrics::Counters> counters_ = std::make_shared<metrics::Counters>();
  std::shared_ptr<LinkState> link_ = std::make_shared<LinkState>();
  Sources sources_;
  std::uint64_t started_at_;
  std::optional<asio::ip::tcp::acceptor> metrics_acceptor_;
  std::unique_ptr<StatusServer> status_;
};

}  // namespace portico::agent
