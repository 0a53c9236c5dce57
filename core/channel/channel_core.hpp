#pragma once
// ChannelCore: the secure channel's protocol as a plain class — messages and events in, actions out, time as
// an input. No socket, timer, coroutine or log call: SecureChannel (secure_channel.hpp) is the asio shell that
// routes what it sends, logs what it says and calls on_timer() at next_deadline().
//
// Messages at the decryptor (channel_messages.hpp, docs/protocol.md "Secure channels"): Handshake, Record,
// Refusal, Confirm, Credential, Control (close, ping, pong) and Hop records. What may end the channel:
//   - while handshaking: anything wrong (a bad handshake message, a refusal, the handshake timeout);
//   - once established: only what opens under its keys — the peer's Close, a malformed message inside a record,
//     a bad credential update — or this side (close(), an idle or dead-peer timeout, a refusal that the peer
//     does not contradict under its keys within probe_timeout, see below). Anything that does not open under
//     the keys (a forged or replayed record, a stray handshake message, an unknown type) is dropped and
//     counted, logged at the 1st, 2nd, 4th, 8th, ... time.
// A Refusal is not authenticated (ChannelDeadLetters sends it for a channel address its node no longer has).
// On an established channel it makes the channel *suspect*: it pings the peer under its keys, and closes
// ("refused by the peer: ...") unless the matching pong arrives within probe_timeout; answered, the refusal is
// ignored (logged once per channel). So a channel whose far end is really gone heals within probe_timeout,
// and a refusal forged by somebody who cannot read the channel costs one ping.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "channel/handshake_payload.hpp"
#include "channel/noise_handshake.hpp"
#include "channel/transport_cipher.hpp"
#include "routing/message.hpp"

namespace portico::channel {

// How long a suspect channel (an unauthenticated refusal arrived) waits for its peer's pong.
inline constexpr std::chrono::milliseconds kProbeTimeout{1500};
// The longest close reason sent to the peer (longer ones are cut).
inline constexpr std::size_t kMaxCloseReasonBytes = 255;

struct ChannelOptions {
  std::shared_ptr<const identity::Identity> identity{};
  Bytes credential{};  // this node's encoded credential; empty when it has none
  TrustPolicy policy{};
  bool aes_hardware = false;  // offer AES-256-GCM (taken only when this build can run it and the peer offers it too)
  std::chrono::milliseconds handshake_timeout{10000};
  // Closes an established channel that has received no data for this long (0: never). Portal streams ping every
  // 10 s, so only channels nobody uses any more go; the inlet's end gives up sooner than the outlet's and opens
  // a fresh channel for its next stream.
  std::chrono::milliseconds idle_timeout{0};
  // Liveness under the keys (0: off): with nothing received under the channel's keys for `keepalive`, ping the
  // peer; with nothing for `dead_after`, close. The node's channel to its hub uses its link's heartbeat times.
  std::chrono::milliseconds keepalive{0};
  std::chrono::milliseconds dead_after{0};
  std::chrono::milliseconds probe_timeout{kProbeTimeout};
  std::function<std::uint64_t()> clock{};  // seconds since the epoch, for credential expiry; defaults to the system clock
  // Called once when the channel closes or its handshake fails, with the channel's encryptor (the first hop of
  // every route through it) and the reason (the shell calls these; the core ignores them).
  std::function<void(const Address& encryptor, const std::string& reason)> on_closed = nullptr;
  // Called when the handshake fails (timeout, refusal, bad message, policy), for counting.
  std::function<void(const std::string& reason)> on_handshake_failure = nullptr;
};

class ChannelCore {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;
  enum class State { handshaking, established, closed };

  // A message for the router: to the peer (`to_peer`) or decrypted, for a worker on this node.
  struct Send {
    Message message;
    bool to_peer = true;
  };
  struct Established {};
  struct Closed {
    std::string reason;
    bool during_handshake = false;
  };
  struct Log {
    bool warning = false;
    std::string line;
  };
  using Action = std::variant<Send, Established, Closed, Log>;
  using Actions = std::vector<Action>;

  ChannelCore(ChannelOptions options, Role role, Address decryptor, Time now);

  // Initiator: m1 to the listener at the end of `route_to_listener`.
  Actions initiate(Route route_to_listener);
  // Responder: reads m1 (from the listener) and answers m2.
  Actions respond(Message m1, Time now);
  // A message that arrived at the decryptor.
  Actions from_peer(Message message, Time now);
  // A message that arrived at the encryptor: onward [encryptor, rest...] reaches [rest...] on the peer's node.
  Actions from_local(Message message, Time now);
  // Sends `credential` (encoded) to the peer as a credential update.
  Actions present_credential(ByteView credential, Time now);
  // Closes this end; an established channel tells its peer (Close, under the keys) unless `tell_peer` is false
  // (the link to it is gone).
  Actions close(const std::string& reason, bool tell_peer = true);
  Actions on_timer(Time now);
  // When on_timer() has something to do next (nothing once closed).
  std::optional<Time> next_deadline() const;

  State state() const { return state_; }
  const Address& decryptor() const { return decryptor_; }
  const Address& encryptor() const { return encryptor_; }
  const Route& peer_route() const { return peer_route_; }
  const std::optional<VerifiedPeer>& peer() const { return peer_; }
  std::optional<CipherKind> cipher() const {
    return cipher_ ? std::optional<CipherKind>(cipher_->cipher()) : std::nullopt;
  }
  const std::string& failure() const { return failure_; }
  // Messages dropped because they did not open under the keys (or came at the wrong time).
  std::uint64_t records_rejected() const { return records_rejected_; }
  // Refusals that arrived while established (each answered by a probe, or ignored while one was out).
  std::uint64_t refusals_seen() const { return refusals_seen_; }
  bool suspect() const { return probe_deadline_.has_value(); }
  // When the peer's last message under the keys arrived (established channels).
  Time last_received() const { return last_authenticated_; }
  // For logs: the peer's identifier once known, else its route.
  std::string peer_name() const;

 private:
  // channel_core.cpp: handshake, states, timers.
  Actions on_handshake(Message message, Time now);
  Actions on_refusal(ByteView text, Time now);
  Actions on_confirm(ByteView record, Time now);
  std::error_code accept_peer(ByteView payload_bytes);
  bool offers_aes_gcm() const;
  void split_keys(Actions& out);
  void mark_established(Time now, Actions& out);
  void fail(const std::string& reason, Actions& out, bool tell_peer = true);
  // channel_records.cpp: everything under the keys.
  Actions on_record(ByteView record, Time now);
  Actions on_hop(Message message, Time now);
  Actions on_credential(ByteView record, Time now);
  Actions on_control(ByteView record, Time now);
  std::optional<Bytes> open(ByteView record, std::string_view what, Actions& out);
  void authenticated(Time now, Actions& out);
  void reject(std::string_view what, Actions& out);
  void seal_and_send(std::uint8_t type, ByteView plaintext, Actions& out, bool control_lane = false);
  void send_ping(Time now, Actions& out);
  Message to_peer(std::uint8_t type, ByteView body) const;
  void stamp_origin();

  ChannelOptions options_;
  Role role_;
  Address decryptor_;
  Address encryptor_;
  State state_ = State::handshaking;
  std::optional<HandshakeState> handshake_;
  std::optional<TransportCipher> cipher_;
  NoiseStaticKey noise_public_{};
  Route peer_route_;
  std::optional<VerifiedPeer> peer_;
  std::shared_ptr<const MessageOrigin> origin_;  // set once established; stamped on every decrypted message
  std::string failure_;
  Time started_;
  Time last_authenticated_{};  // anything under the keys
  Time last_data_{};           // records and hop records (the idle timeout)
  Time last_ping_{};
  std::uint64_t next_ping_id_ = 1;
  std::optional<std::uint64_t> probe_id_;  // the ping a suspect channel waits for
  std::optional<Time> probe_deadline_;
  std::string refusal_;                    // what the refusal that made it suspect said
  bool refusal_ignored_logged_ = false;
  std::uint64_t records_rejected_ = 0;
  std::uint64_t refusals_seen_ = 0;
};

}  // namespace portico::channel
