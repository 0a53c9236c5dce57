#pragma once
// DirectPaths: this node's direct paths to its peers (docs/direct-paths.md), the worker at "p2p" and an asio shell
// around one PathProber per peer.
//
// An inlet whose end-to-end channel to an outlet comes up offers it a direct path (offer()): a fresh random
// path secret and its candidates (the public endpoint the rendezvous learnt, and its interface addresses with the
// UdpPort's port), inside that channel. The other end answers with its own candidates, and both probe each other
// from their UdpPort ("PPB1" datagrams, each handed to the peer whose key it opens under). The inlet offers again
// when its public endpoint changes and every kOfferAgain. One log line per change of path per peer; counters say
// how many rounds of probes ran and how many proved a path. A peer's state ends with its channel (forget()).
//
// What a peer can make this node do: an authenticated member can give it candidates, so it probes (34-byte
// datagrams) at most PathProber::kMaxCandidates addresses per peer on the prober's schedule. Limits: kMaxPeers
// peers (an offer beyond that is refused and logged), one offer per channel per kMinOfferGap (more are dropped:
// a member cannot make this node start rounds faster than the schedule), and the prober's own answer rate.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "metrics/metrics.hpp"
#include "p2p/direct_messages.hpp"
#include "p2p/path_prober.hpp"
#include "p2p/udp_port.hpp"
#include "routing/router.hpp"

namespace portico::p2p {

class DirectPaths final : public Worker, public std::enable_shared_from_this<DirectPaths> {
 public:
  static constexpr std::size_t kMaxPeers = 64;
  static constexpr std::chrono::seconds kMinOfferGap{5};
  static constexpr std::chrono::minutes kOfferAgain{5};
  using Clock = PathProber::Clock;

  struct PeerPath {
    std::string peer;                   // its identifier
    std::optional<SeenEndpoint> direct; // the proven path, if any
    std::uint64_t probes_sent = 0;
  };

  // `counters` (may be null) get the direct_* figures.
  static std::shared_ptr<DirectPaths> start(Router& router, std::shared_ptr<UdpPort> port,
                                            std::shared_ptr<metrics::Counters> counters);
  DirectPaths(Router& router, std::shared_ptr<UdpPort> port, std::shared_ptr<metrics::Counters> counters);

  // The inlet's side: the channel whose encryptor is `encryptor` reaches `peer`; offer it a direct path.
  void offer(const Address& encryptor, const std::string& peer);
  // That channel closed: its direct path goes with it.
  void forget(const Address& encryptor, const std::string& why);
  // This node's public endpoint, from the rendezvous; offered again to every peer this node offered to.
  void set_public_endpoint(const SeenEndpoint& endpoint);
  void stop();

  asio::awaitable<void> handle_message(Message message) override;

  std::vector<PeerPath> paths() const;
  std::uint64_t refused_offers() const { return refused_offers_; }

 private:
  struct Peer {
    std::string identifier;
    Route to_peer;  // [this node's encryptor of the channel, "p2p"]
    bool initiator = false;
    PathSecret secret{};
    PathProber prober;
    Clock::time_point last_offer{};
    std::uint64_t rounds_counted = 0;  // prober.rounds() already in counters_
  };

  std::vector<SeenEndpoint> candidates() const;
  void send_offer(Peer& peer);
  void on_offer(const std::string& key, const Message& message, DirectOffer offer);
  void on_answer(const std::string& key, DirectAnswer answer);
  void on_datagram(ByteView datagram, const asio::ip::udp::endpoint& from);
  void apply(Peer& peer, PathProber::Actions actions);
  void count_paths_up();
  std::string nat_hint() const;  // why punching may have failed, from what the rendezvous saw
  void rearm();
  asio::awaitable<void> run_timers();

  Router& router_;
  std::shared_ptr<UdpPort> port_;
  asio::steady_timer timer_;
  std::map<std::string, Peer> peers_;  // by the local encryptor's address
  std::optional<SeenEndpoint> public_endpoint_;
  std::shared_ptr<metrics::Counters> counters_;
  std::uint64_t refused_offers_ = 0;
  bool stopped_ = false;
};

}  // namespace portico::p2p
