#pragma once
// SecureChannel: a Noise XX channel between two nodes, carried in routing messages over any route (a TCP link,
// a relay through the hub). Each end has two addresses:
//   decryptor "sc-<hex>"      faces the peer: handshake messages and encrypted records arrive here
//   encryptor "sc-<hex>-enc"  faces local workers: a message sent to [encryptor, rest...] reaches [rest...] on the
//                             peer node, its return route starting with the peer's encryptor (replies come back
//                             encrypted)
// The protocol (message types, handshake, confirmation, refusal, credential update, close, liveness) is
// ChannelCore (channel_core.hpp); this class is its asio shell: it hands the core what arrives at the two
// addresses with the time, routes what the core sends, logs what it says, and runs one timer for the core's
// next deadline. It never waits on a queue: each message is sealed and handed to the router as it arrives, so
// records leave in nonce order, and what the router cannot take is refused there with a log line.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "channel/channel_core.hpp"
#include "channel/handshake_gate.hpp"
#include "channel/handshake_payload.hpp"
#include "channel/noise_handshake.hpp"
#include "channel/transport_cipher.hpp"
#include "routing/router.hpp"

namespace portico::channel {

inline constexpr std::string_view kListenerAddress = "secure";

class SecureChannel final : public Worker, public std::enable_shared_from_this<SecureChannel> {
 public:
  using State = ChannelCore::State;

  // Starts a channel to the listener at the end of `route_to_listener` (e.g. [link, "secure"]).
  static std::shared_ptr<SecureChannel> initiate(asio::any_io_executor executor, Router& router,
                                                 Route route_to_listener, ChannelOptions options);
  // Listener side: a responder for the first handshake message `m1`.
  static std::shared_ptr<SecureChannel> respond(asio::any_io_executor executor, Router& router, Message m1,
                                                ChannelOptions options);
  // Waits until the channel is established (true) or fails (false; failure() says why).
  asio::awaitable<bool> established();

  const Address& decryptor() const { return core_.decryptor(); }
  const Address& encryptor() const { return core_.encryptor(); }
  State state() const { return core_.state(); }
  // The route to the peer's decryptor (known once the peer has answered).
  const Route& peer_route() const { return core_.peer_route(); }
  const std::optional<VerifiedPeer>& peer() const { return core_.peer(); }
  // The AEAD the records use (once keys are split): AES-256-GCM only when both ends have AES hardware.
  std::optional<CipherKind> cipher() const { return core_.cipher(); }
  // When the peer's last message under the channel's keys arrived (established channels).
  std::chrono::steady_clock::time_point last_received() const { return core_.last_received(); }
  // Why the channel failed or closed; empty while it is fine.
  const std::string& failure() const { return core_.failure(); }
  std::uint64_t records_rejected() const { return core_.records_rejected(); }
  std::uint64_t refusals_seen() const { return core_.refusals_seen(); }

  // At the decryptor: what the peer sent.
  asio::awaitable<void> handle_message(Message message) override;
  // Closes this end (an established channel tells its peer, under its keys, unless the link to it is gone).
  void close(const std::string& reason, bool tell_peer = true);
  // Sends `credential` (encoded) to the peer as a credential update, in order with the records.
  void present_credential(Bytes credential);

  SecureChannel(asio::any_io_executor executor, Router& router, ChannelOptions options, Role role);

 private:
  friend class EncryptorWorker;
  asio::awaitable<void> from_local(Message message);
  // Carries out the core's actions in order; sync() does the same from a plain call (its sends on a coroutine).
  asio::awaitable<void> run(ChannelCore::Actions actions);
  void sync(ChannelCore::Actions actions);
  void apply(ChannelCore::Action& action);
  void rearm();
  asio::awaitable<void> run_timer();
  void register_workers();

  asio::any_io_executor executor_;
  Router& router_;
  std::function<void(const Address&, const std::string&)> on_closed_;
  std::function<void(const std::string&)> on_handshake_failure_;
  ChannelCore core_;
  asio::steady_timer settled_;  // cancelled when the handshake ends, either way
  asio::steady_timer timer_;    // the core's next deadline
};

// The worker at "secure": answers each first handshake message with a new responder channel, if its
// HandshakeGate (channel/handshake_gate.hpp) admits it: per source (the first `source_hops` hops of the return
// route: the link at the hub; at an outlet, the hub channel and the hub's hop back to the peer) a rate, a few
// unfinished handshakes and a few channels; in total kMaxPendingHandshakes-style limits with random early drop.
// A dropped first message costs a rate-limited log line naming the source, and nothing else.
class SecureChannelListener final : public Worker {
 public:
  static constexpr std::size_t kMaxPendingHandshakes = HandshakeLimits{}.max_pending;

  SecureChannelListener(asio::any_io_executor executor, Router& router, ChannelOptions options)
      : executor_(std::move(executor)), router_(router), options_(std::move(options)) {}
  static std::shared_ptr<SecureChannelListener> start(asio::any_io_executor executor, Router& router,
                                                      ChannelOptions options);
  asio::awaitable<void> handle_message(Message message) override;

  // The admission limits, and how many return-route hops name a source (1 at the hub: the link).
  void set_handshake_limits(HandshakeLimits limits, std::size_t source_hops = 1) {
    gate_ = std::make_shared<HandshakeGate>(limits);
    source_hops_ = source_hops;
  }
  // The policy (and credential) for channels opened from now on.
  void set_options(ChannelOptions options) { options_ = std::move(options); }
  // Closes the channels this listener opened whose route back to the peer starts with `first_hop` (a link that
  // went down: no Close is sent over it), or all of them when `first_hop` is empty (each told, under its keys).
  void close_channels(const std::string& reason, const std::optional<Address>& first_hop = std::nullopt);
  std::size_t open_channels();
  // Closes the channels this listener opened with `identifier` (a revoked identity); returns how many.
  std::size_t close_channels_with(const std::string& identifier, const std::string& reason);
  // This listener's established channels: encryptor, the peer's identifier and the route to its decryptor.
  struct Peer {
    Address encryptor;
    std::string identifier;
    Route route;
  };
  std::vector<Peer> established_peers();
  // Called when a channel this listener opened closes, with its encryptor (the first hop of every route through
  // it) and the reason.
  using OnChannelClosed = std::function<void(const Address& encryptor, const std::string& reason)>;
  void on_channel_closed(OnChannelClosed observer) { on_channel_closed_ = std::move(observer); }

 private:
  void forget_closed();
  std::string source_of(const Route& return_route) const;
  HandshakeCounts count(const std::string& source) const;

  asio::any_io_executor executor_;
  Router& router_;
  ChannelOptions options_;
  std::vector<std::weak_ptr<SecureChannel>> channels_;
  OnChannelClosed on_channel_closed_;
  std::shared_ptr<HandshakeGate> gate_ = std::make_shared<HandshakeGate>();
  std::size_t source_hops_ = 1;
  std::uint64_t draws_ = 0;  // for the early drop's pseudo-random draw
};

}  // namespace portico::channel
