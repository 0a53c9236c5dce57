// ChannelCore: construction, the handshake and confirmation, refusals, states and timers. Records, control and
// hop records are in channel_records.cpp.
#include "channel/channel_core.hpp"

#include <algorithm>
#include <stdexcept>

#include "channel/channel_messages.hpp"
#include "channel/errors.hpp"
#include "wire/buffer_pool.hpp"

namespace portico::channel {
namespace {

constexpr std::string_view kProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
// The protocol version: both ends must speak the same (2: hop records carry the control-lane flag,
// hop_record.hpp). A peer of another version fails the handshake at its first encrypted message.
constexpr std::string_view kPrologue = "portico/2";

std::uint64_t system_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string in_words(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

void earliest(std::optional<ChannelCore::Time>& best, ChannelCore::Time t) {
  if (!best || t < *best) best = t;
}

}  // namespace

ChannelCore::ChannelCore(ChannelOptions options, Role role, Address decryptor, Time now)
    : options_(std::move(options)),
      role_(role),
      decryptor_(std::move(decryptor)),
      encryptor_(Address::local(decryptor_.value + std::string(kEncryptorSuffix))),
      started_(now) {
  if (!options_.clock) options_.clock = system_seconds;
  KeyPair noise_static = crypto::generate_keypair();
  noise_public_ = noise_static.public_key;
  auto handshake = HandshakeState::create({.role = role,
                                           .protocol_name = kProtocolName,
                                           .prologue = as_bytes(kPrologue),
                                           .static_keys = std::move(noise_static),
                                           .ephemeral_keys = std::nullopt});
  if (!handshake) throw std::logic_error("Noise handshake setup failed: " + handshake.error().message());
  handshake_.emplace(std::move(*handshake));
}

std::string ChannelCore::peer_name() const { return peer_ ? peer_->identifier : to_string(peer_route_); }

Message ChannelCore::to_peer(std::uint8_t type, ByteView body) const {
  Bytes payload;
  payload.reserve(body.size() + 1);
  payload.push_back(type);
  payload.insert(payload.end(), body.begin(), body.end());
  Message message{peer_route_, Route(1, decryptor_), std::move(payload)};
  message.sealed_end_to_end = is_sealed_type(type);
  return message;
}

ChannelCore::Actions ChannelCore::initiate(Route route_to_listener) {
  Actions out;
  peer_route_ = std::move(route_to_listener);
  auto m1 = handshake_->write_message({});  // -> e
  if (!m1) {
    fail("cannot write the first handshake message: " + m1.error().message(), out);
    return out;
  }
  out.push_back(Send{to_peer(kHandshakeType, *m1)});
  return out;
}

ChannelCore::Actions ChannelCore::respond(Message m1, Time now) {
  peer_route_ = m1.return_route;
  return from_peer(std::move(m1), now);
}

ChannelCore::Actions ChannelCore::from_peer(Message message, Time now) {
  Actions out;
  if (state_ == State::closed) return out;
  if (message.payload.empty()) {
    if (state_ == State::handshaking) {
      fail("empty message from the peer", out);
    } else {
      reject("an empty message", out);
    }
    return out;
  }
  const ByteView body = ByteView(message.payload).subspan(1);
  switch (message.payload[0]) {
    case kHandshakeType: return on_handshake(std::move(message), now);
    case kRecordType: {
      Actions actions = on_record(body, now);
      wire::give_buffer(std::move(message.payload));  // the record's buffer serves the next chunk
      return actions;
    }
    case kHopType: return on_hop(std::move(message), now);
    case kConfirmType: return on_confirm(body, now);
    case kCredentialType: return on_credential(body, now);
    case kControlType: return on_control(body, now);
    case kRefusalType: return on_refusal(body, now);
    default:
      if (state_ == State::handshaking) {
        fail("unknown message type from the peer", out);
      } else {
        reject("a message of unknown type", out);
      }
      return out;
  }
}

ChannelCore::Actions ChannelCore::on_handshake(Message message, Time now) {
  Actions out;
  if (state_ != State::handshaking) {
    reject("a handshake message after the handshake", out);
    return out;
  }
  if (cipher_) {
    ++records_rejected_;
    fail("a handshake message arrived after the handshake", out);
    return out;
  }
  auto payload = handshake_->read_message(ByteView(message.payload).subspan(1));
  if (!payload) {
    // A peer of another version computes another prologue hash: its first encrypted field fails to open.
    const std::string hint = payload.error() == std::error_code(Error::decrypt_failed)
                                 ? " (a peer of another protocol version? this node speaks " + std::string(kPrologue) + ")"
                                 : "";
    fail("bad handshake message: " + payload.error().message() + hint, out);
    return out;
  }
  const bool initiator = role_ == Role::initiator;
  // The initiator reads m2 (the responder's identity), the responder reads m1 (nothing yet) then m3.
  if (initiator || handshake_->is_complete()) {
    if (auto ec = accept_peer(*payload)) {
      out.push_back(Send{to_peer(kRefusalType, as_bytes(ec.message()))});
      fail("peer refused by policy: " + ec.message(), out);
      return out;
    }
  }
  if (initiator) peer_route_ = message.return_route;  // m2 came from the responder's decryptor
  if (!handshake_->is_complete()) {
    // <- e, ee, s, es (responder, m2) or -> s, se (initiator, m3): both carry our identity.
    const Bytes mine = encode_handshake_payload(
        make_handshake_payload(*options_.identity, noise_public_, offers_aes_gcm(), options_.credential));
    auto reply = handshake_->write_message(mine);
    if (!reply) {
      fail("cannot write handshake message: " + reply.error().message(), out);
      return out;
    }
    out.push_back(Send{to_peer(kHandshakeType, *reply)});
  }
  if (!handshake_->is_complete()) return out;
  split_keys(out);
  if (state_ == State::closed || initiator) return out;  // the initiator is established once the responder confirms
  auto confirmation = cipher_->encrypt({});
  if (!confirmation) {
    fail("cannot encrypt the confirmation: " + confirmation.error().message(), out);
    return out;
  }
  mark_established(now, out);
  out.push_back(Send{to_peer(kConfirmType, *confirmation)});
  return out;
}

ChannelCore::Actions ChannelCore::on_confirm(ByteView record, Time now) {
  Actions out;
  if (state_ == State::established) {
    reject("a confirmation on an established channel", out);
    return out;
  }
  if (!cipher_ || role_ != Role::initiator) {
    fail("unexpected confirmation", out);
    return out;
  }
  if (auto plaintext = cipher_->decrypt(record); !plaintext || !plaintext->empty()) {
    fail("bad confirmation from the peer", out);
    return out;
  }
  mark_established(now, out);
  return out;
}

ChannelCore::Actions ChannelCore::on_refusal(ByteView text, Time now) {
  Actions out;
  const std::string said(as_chars(text.first(std::min(text.size(), kMaxCloseReasonBytes))));
  if (state_ == State::handshaking) {
    fail("refused by the peer: " + said, out, false);
    return out;
  }
  ++refusals_seen_;
  if (probe_deadline_) return out;  // a probe is already out
  refusal_ = said;
  probe_deadline_ = now + options_.probe_timeout;
  send_ping(now, out);
  probe_id_ = next_ping_id_ - 1;
  if (refusals_seen_ == 1) {
    out.push_back(Log{false, "secure channel " + decryptor_.value + " with " + peer_name() +
                                 ": an unauthenticated refusal (\"" + said + "\"); asking the peer under the keys"});
  }
  return out;
}

std::error_code ChannelCore::accept_peer(ByteView payload_bytes) {
  auto payload = decode_handshake_payload(payload_bytes);
  if (!payload) return payload.error();
  auto remote = handshake_->remote_static();
  if (!remote) return PolicyError::bad_attestation;
  auto verified = check_peer(options_.policy, *payload, *remote, options_.clock());
  if (!verified) return verified.error();
  peer_ = std::move(*verified);
  return {};
}

bool ChannelCore::offers_aes_gcm() const { return options_.aes_hardware && crypto::aes_gcm_available(); }

void ChannelCore::split_keys(Actions& out) {
  auto transport = std::move(*handshake_).split();
  if (!transport) {
    fail("handshake split failed: " + transport.error().message(), out);
    return;
  }
  // AES-256-GCM only when both ends have AES hardware (said in the payloads the handshake authenticated, so nobody
  // on the path can force either choice); ChaCha20-Poly1305 otherwise, as on every Raspberry Pi.
  if (offers_aes_gcm() && peer_ && peer_->aes_hardware) transport->switch_cipher(CipherKind::aes_gcm);
  cipher_.emplace(std::move(*transport));
}

void ChannelCore::mark_established(Time now, Actions& out) {
  state_ = State::established;
  stamp_origin();
  last_authenticated_ = last_data_ = last_ping_ = now;
  out.push_back(Established{});
  out.push_back(Log{false, "secure channel " + decryptor_.value + " established with " + peer_name() + " (" +
                               (cipher_->cipher() == CipherKind::aes_gcm ? "aes-256-gcm" : "chacha20-poly1305") +
                               ")"});
}

ChannelCore::Actions ChannelCore::close(const std::string& reason, bool tell_peer) {
  Actions out;
  fail(reason, out, tell_peer);
  return out;
}

void ChannelCore::fail(const std::string& reason, Actions& out, bool tell_peer) {
  if (state_ == State::closed) return;
  const bool during_handshake = state_ == State::handshaking;
  if (!during_handshake && tell_peer) {
    Bytes close{kControlClose};
    close.insert(close.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(
                                                                   std::min(reason.size(), kMaxCloseReasonBytes)));
    if (auto record = cipher_->encrypt(close)) out.push_back(Send{to_peer(kControlType, *record)});
  }
  state_ = State::closed;
  failure_ = reason;
  probe_deadline_.reset();
  out.push_back(Log{true, "secure channel " + decryptor_.value + " with " + peer_name() + " closed: " + reason});
  out.push_back(Closed{reason, during_handshake});
}

std::optional<ChannelCore::Time> ChannelCore::next_deadline() const {
  std::optional<Time> next;
  if (state_ == State::handshaking) earliest(next, started_ + options_.handshake_timeout);
  if (state_ != State::established) return next;
  if (probe_deadline_) earliest(next, *probe_deadline_);
  if (options_.idle_timeout.count() > 0) earliest(next, last_data_ + options_.idle_timeout);
  if (options_.dead_after.count() > 0) earliest(next, last_authenticated_ + options_.dead_after);
  if (options_.keepalive.count() > 0) {
    earliest(next, std::max(last_authenticated_, last_ping_) + options_.keepalive);
  }
  return next;
}

ChannelCore::Actions ChannelCore::on_timer(Time now) {
  Actions out;
  if (state_ == State::handshaking && now >= started_ + options_.handshake_timeout) {
    fail("handshake timed out", out);
    return out;
  }
  if (state_ != State::established) return out;
  if (probe_deadline_ && now >= *probe_deadline_) {
    fail("refused by the peer: " + refusal_ + "; no answer under the channel's keys within " +
             in_words(options_.probe_timeout), out);
    return out;
  }
  if (options_.dead_after.count() > 0 && now - last_authenticated_ >= options_.dead_after) {
    fail("nothing under the channel's keys for " + in_words(options_.dead_after), out);
    return out;
  }
  if (options_.idle_timeout.count() > 0 && now - last_data_ >= options_.idle_timeout) {
    fail("nothing received for " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.idle_timeout).count()) + " s",
         out);
    return out;
  }
  if (options_.keepalive.count() > 0 && now - last_authenticated_ >= options_.keepalive &&
      now - last_ping_ >= options_.keepalive) {
    send_ping(now, out);
  }
  return out;
}

// What every decrypted message says about its sender, rebuilt when the peer presents a new credential.
void ChannelCore::stamp_origin() {
  auto origin = std::make_shared<MessageOrigin>();
  origin->kind = MessageOrigin::Kind::channel;
  origin->accepted_here = role_ == Role::responder;
  if (peer_) {
    origin->peer = peer_->identifier;
    if (peer_->credential) {
      origin->member = true;
      origin->member_until = peer_->credential->expires_at;
      origin->attributes = peer_->credential->attributes;
    }
  }
  origin_ = std::move(origin);
}

}  // namespace portico::channel
