#pragma once
// DirectPaths: this node's direct paths to its peers (docs/direct-paths.md), the worker at "p2p" and an asio shell
// around one PathProber per peer.
//
// An inlet whose end-to-end channel to an outlet comes up offers it a direct path (offer()): a fresh random
// path secret and its candidates (the public endpoint the rendezvous learnt, and its interface addresses with the
// UdpPort's port), inside that channel. The other end answers with its own candidates, and both probe each other
// from their UdpPort ("PPB1" datagrams, each handed to the peer whose key it opens under). The inlet offers again
// when its public endpoint changes, and every kKeepRelayChannel while a direct link is up. One log line per change of path per peer; counters say
// how many rounds of probes ran and how many proved a path. A peer's state ends with its channel (forget()).
//
// Once a path is proven the inlet opens one QUIC connection to the peer (QuicSession, keyed from the path secret),
// and both run a TcpLink over its stream (a "direct link", at "direct-<hex>"): the inlet opens a second end-to-end
// channel over it and puts new portal streams on that one (OnLink), while streams already on the relay stay there.
// The connection's packets go over the direct path while it answers and inside the relay channel ("PDQ1" messages)
// when it has been silent for kDirectSilence, and back when it answers again: QUIC's loss recovery absorbs the
// switch, so the link and its streams never see it. Only a connection that ends (kDirectLinkDeadAfter without
// any packet on either path) takes its link and streams with it (OnLinkClosed).
//
// What a peer can make this node do: an authenticated member can give it candidates, so it probes (34-byte
// datagrams) at most PathProber::kMaxCandidates addresses per peer on the prober's schedule. Limits: kMaxPeers
// peers, kMaxPeersPerIdentity of them per identity (an offer beyond either is refused and logged), candidates taken
// from a peer at most once per kMinOfferGap (newer ones wait for the gap's end, only the newest kept: a member cannot
// make this node start rounds faster than the schedule), and the prober's own answer rate.
// UDP datagrams are handed to a peer's prober when they open under its key, and to a peer's QUIC connection only
// when they come from one of its candidates and open under that connection's keys; only an authenticated datagram
// from the path counts as the path being heard.
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
#include "p2p/quic_session.hpp"
#include "p2p/udp_port.hpp"
#include "transport/tcp_link.hpp"
#include "routing/router.hpp"

namespace portico::p2p {

class DirectPaths final : public Worker, public std::enable_shared_from_this<DirectPaths> {
 public:
  static constexpr std::size_t kMaxPeers = 64;
  static constexpr std::size_t kMaxPeersPerIdentity = 4;  // one member's channels cannot take every slot
  static constexpr std::chrono::seconds kMinOfferGap{5};
  static constexpr std::chrono::minutes kKeepRelayChannel{2};  // shorter than either end's channel idle timeout
  // A direct path silent this long carries no more QUIC packets until it answers again (a direct link's
  // heartbeats make every path speak at least each kDirectHeartbeat).
  static constexpr std::chrono::milliseconds kDirectSilence{3000};
  static constexpr std::chrono::milliseconds kDirectHeartbeat{1000};
  static constexpr std::chrono::milliseconds kDirectLinkDeadAfter{15000};
  // While the direct path is silent, a probe to it this often: an answer puts traffic back on it at once.
  static constexpr std::chrono::milliseconds kSilentPing{1000};
  // A QUIC connection that ended is made again while the path stands, first after this, then twice as long
  // each time up to kQuicRetryMax.
  static constexpr std::chrono::seconds kQuicRetryMin{2};
  static constexpr std::chrono::seconds kQuicRetryMax{60};
  using Clock = PathProber::Clock;

  struct PeerPath {
    std::string peer;                   // its identifier
    std::optional<SeenEndpoint> direct; // the proven path, if any
    std::uint64_t probes_sent = 0;
    bool carried_direct = false;        // whether its QUIC packets go over the direct path now
    std::uint64_t direct_bytes = 0, relay_bytes = 0;  // QUIC packet bytes sent over each path
  };

  // `counters` (may be null) get the direct_* figures.
  static std::shared_ptr<DirectPaths> start(Router& router, std::shared_ptr<UdpPort> port,
                                            std::shared_ptr<metrics::Counters> counters);
  DirectPaths(Router& router, std::shared_ptr<UdpPort> port, std::shared_ptr<metrics::Counters> counters);

  // The inlet's side: the channel whose encryptor is `encryptor` reaches `peer`; offer it a direct path.
  void offer(const Address& encryptor, const std::string& peer);
  // That channel closed: its direct path goes with it.
  void forget(const Address& encryptor, const std::string& why);
  // The inlet's side: a direct link to the peer of the channel `encryptor` is up, at `link`; or it has closed.
  using OnLink = std::function<void(const Address& encryptor, const Address& link, const std::string& peer)>;
  using OnLinkClosed = std::function<void(const Address& encryptor, const Address& link, const std::string& why)>;
  void on_link(OnLink handler) { on_link_ = std::move(handler); }
  void on_link_closed(OnLinkClosed handler) { on_link_closed_ = std::move(handler); }
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
    std::shared_ptr<QuicSession> quic;
    std::shared_ptr<TcpLink> link;     // the direct link, over quic's stream
    Clock::time_point heard_direct{};  // the last authenticated datagram from the proven path
    bool carried_direct = false;
    bool carried_once = false;  // whether its first QUIC packet went out yet
    Clock::time_point last_candidates{};  // when candidates from the peer were last applied
    std::optional<std::vector<SeenEndpoint>> pending_candidates;  // newer ones, until kMinOfferGap has passed
    Clock::time_point last_ping{};
    Clock::time_point next_quic_try{};
    std::chrono::seconds quic_backoff{0};
    Clock::time_point last_server{};  // the responder made a server of an Initial then (at most one per kQuicRetryMin)
    std::vector<Bytes> initial_dcids;  // of the Initials servers were made of: a replayed one makes none
    std::uint64_t direct_bytes = 0, relay_bytes = 0;
  };

  std::vector<SeenEndpoint> candidates() const;
  void send_offer(Peer& peer);
  void send_answer(Peer& peer);
  void send_later(Message message);  // after the current handler: nothing sent re-enters this class
  void take_candidates(Peer& peer, std::vector<SeenEndpoint> candidates, Clock::time_point now);
  Clock::time_point run_peer_timers(Peer& peer, Clock::time_point now);
  void on_offer(const std::string& key, const Message& message, DirectOffer offer);
  void on_answer(const std::string& key, DirectAnswer answer);
  void on_datagram(ByteView datagram, const asio::ip::udp::endpoint& from);
  void apply(Peer& peer, PathProber::Actions actions);
  // direct_links.cpp: the QUIC connection and the link over it.
  void start_quic(const std::string& key, Peer& peer);
  void carry(const std::string& key, ByteView packet);
  void on_quic_packet(const std::string& key, ByteView packet);
  bool make_server(const std::string& key, Peer& peer, ByteView packet, bool direct);
  void watch(const std::string& key, QuicSession& quic);  // its stream and its end
  void on_quic_datagram(ByteView datagram, const asio::ip::udp::endpoint& from);
  void start_link(const std::string& key, std::unique_ptr<ByteStream> stream);
  void end_quic(Peer& peer, const std::string& why);
  void count_paths_up();
  std::string nat_hint() const;  // why punching may have failed, from what the rendezvous saw
  void rearm();
  void wake();  // run_timers looks again now
  asio::awaitable<void> run_timers();

  Router& router_;
  std::shared_ptr<UdpPort> port_;
  asio::steady_timer timer_;
  std::map<std::string, Peer> peers_;  // by the local encryptor's address
  std::optional<SeenEndpoint> public_endpoint_;
  std::shared_ptr<metrics::Counters> counters_;
  std::vector<std::string> quic_due_;  // peers whose QUIC connection apply() starts once it is done
  OnLink on_link_;
  OnLinkClosed on_link_closed_;
  std::uint64_t refused_offers_ = 0;
  bool stopped_ = false;
  bool wake_pending_ = false;
};

}  // namespace portico::p2p
