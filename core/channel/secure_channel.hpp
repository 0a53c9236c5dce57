#pragma once
// SecureChannel: a Noise XX channel between two nodes, carried in routing messages over any route (a TCP link,
// a relay through the hub). Each end has two addresses:
//   decryptor "sc-<hex>"      faces the peer: handshake messages and encrypted records arrive here
//   encryptor "sc-<hex>-enc"  faces local workers: a message sent to [encryptor, rest...] reaches [rest...] on the
//                             peer node, its return route starting with the peer's encryptor (replies come back
//                             encrypted)
// Payloads at the decryptor: 0x01 handshake message | 0x02 record (transport_cipher.hpp) | 0x03 refusal (text)
// | 0x04 confirmation (the responder's first, empty record: the initiator is established only once it arrives)
// | 0x05 credential update (a record holding a fresh credential for the same identity, e.g. after a refresh;
// checked like the one in the handshake, it replaces the peer's membership without a new handshake).
// The handshake is Noise_XX_25519_ChaChaPoly_SHA256 with prologue "portico/1"; m2 and m3 carry each side's
// HandshakePayload (identity, attestation of the Noise key, credential), checked against the local TrustPolicy
// before any data flows. Each decrypted message carries a MessageOrigin naming the verified peer, for the node's
// access rules. A record that fails to decrypt, a replay or a malformed message closes this channel
// only, with a log line naming the peer.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/experimental/channel.hpp>
#include <asio/steady_timer.hpp>

#include "channel/handshake_gate.hpp"
#include "channel/handshake_payload.hpp"
#include "channel/noise_handshake.hpp"
#include "channel/transport_cipher.hpp"
#include "routing/router.hpp"

namespace portico::channel {

inline constexpr std::string_view kListenerAddress = "secure";

struct ChannelOptions {
  std::shared_ptr<const identity::Identity> identity{};
  Bytes credential{};  // this node's encoded credential; empty when it has none
  TrustPolicy policy{};
  bool aes_hardware = false;  // offer AES-256-GCM (taken only when this build can run it and the peer offers it too)
  std::chrono::milliseconds handshake_timeout{10000};
  // Closes an established channel that has received nothing for this long (0: never). Portal streams ping every
  // 10 s, so only channels nobody uses any more go; the inlet's end gives up sooner than the outlet's and opens
  // a fresh channel for its next stream.
  std::chrono::milliseconds idle_timeout{0};
  std::function<std::uint64_t()> clock{};  // seconds since the epoch, for credential expiry; defaults to the system clock
  // Called once when the channel closes or its handshake fails, with the channel's encryptor (the first hop of
  // every route through it) and the reason.
  std::function<void(const Address& encryptor, const std::string& reason)> on_closed = nullptr;
  // Called when the handshake fails (timeout, refusal, bad message, policy), for counting.
  std::function<void(const std::string& reason)> on_handshake_failure = nullptr;
};

class SecureChannel final : public Worker, public std::enable_shared_from_this<SecureChannel> {
 public:
  enum class State { handshaking, established, closed };

  // Starts a channel to the listener at the end of `route_to_listener` (e.g. [link, "secure"]).
  static std::shared_ptr<SecureChannel> initiate(asio::any_io_executor executor, Router& router,
                                                 Route route_to_listener, ChannelOptions options);
  // Waits until the channel is established (true) or fails (false; failure() says why).
  asio::awaitable<bool> established();

  const Address& decryptor() const { return decryptor_; }
  const Address& encryptor() const { return encryptor_; }
  State state() const { return state_; }
  // The route to the peer's decryptor (known once the peer has answered).
  const Route& peer_route() const { return peer_route_; }
  const std::optional<VerifiedPeer>& peer() const { return peer_; }
  // The AEAD the records use (once keys are split): AES-256-GCM only when both ends have AES hardware.
  // When the peer's last message arrived (established channels).
  std::chrono::steady_clock::time_point last_received() const { return last_received_; }
  std::optional<CipherKind> cipher() const {
    return cipher_ ? std::optional<CipherKind>(cipher_->cipher()) : std::nullopt;
  }
  // Why the channel failed or closed; empty while it is fine.
  const std::string& failure() const { return failure_; }
  std::uint64_t records_rejected() const { return records_rejected_; }

  asio::awaitable<void> handle_message(Message message) override;
  void close(const std::string& reason);
  // Sends `credential` (encoded) to the peer as a credential update, in order with the records.
  void present_credential(Bytes credential);

  // Listener side: a responder for the first handshake message `m1`.
  static std::shared_ptr<SecureChannel> respond(asio::any_io_executor executor, Router& router, Message m1,
                                                ChannelOptions options);

  SecureChannel(asio::any_io_executor executor, Router& router, ChannelOptions options, Role role);

 private:
  asio::awaitable<void> on_handshake(Message message);
  asio::awaitable<void> on_record(ByteView record);
  void on_credential_update(ByteView record);
  // Decrypts a record from the peer; a failure counts, closes the channel naming `what`, and gives nothing.
  std::optional<Bytes> open_record(ByteView record, std::string_view what);
  void stamp_origin();
  asio::awaitable<void> close_when_idle();
  asio::awaitable<void> send_to_peer(std::uint8_t type, ByteView body);
  asio::awaitable<void> encrypt_loop();
  asio::awaitable<void> enqueue_plaintext(Message message);
  std::error_code accept_peer(ByteView payload_bytes);
  bool split_keys();
  bool offers_aes_gcm() const;
  void mark_established();
  void on_confirm(ByteView record);
  void register_workers();
  void start_timeout();

  friend class EncryptorWorker;

  asio::any_io_executor executor_;
  Router& router_;
  ChannelOptions options_;
  Role role_;
  Address decryptor_;
  Address encryptor_;
  State state_ = State::handshaking;
  std::optional<HandshakeState> handshake_;
  std::optional<TransportCipher> cipher_;
  Route peer_route_;
  std::optional<VerifiedPeer> peer_;
  std::string failure_;
  NoiseStaticKey noise_public_{};
  asio::steady_timer settled_;  // cancelled when the handshake ends, either way
  asio::experimental::channel<void(asio::error_code, Message)> outgoing_;
  std::uint64_t records_rejected_ = 0;
  std::shared_ptr<const MessageOrigin> origin_;  // set once established; stamped on every decrypted message
  std::chrono::steady_clock::time_point last_received_{};
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
  // went down), or all of them when `first_hop` is empty.
  void close_channels(const std::string& reason, const std::optional<Address>& first_hop = std::nullopt);
  std::size_t open_channels();
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
