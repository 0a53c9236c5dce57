#include "channel/secure_channel.hpp"

#include <algorithm>
#include <chrono>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "channel/channel_messages.hpp"
#include "util/log_limit.hpp"
#include "wire/message_codec.hpp"

namespace portico::channel {
namespace {

constexpr std::string_view kProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
constexpr std::string_view kPrologue = "portico/1";
constexpr std::size_t kOutgoingMessages = 64;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::uint64_t system_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

// The local-facing half: hands plaintext to its channel's encrypt queue.
class EncryptorWorker final : public Worker {
 public:
  explicit EncryptorWorker(std::weak_ptr<SecureChannel> channel) : channel_(std::move(channel)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (auto channel = channel_.lock()) co_await channel->enqueue_plaintext(std::move(message));
  }

 private:
  std::weak_ptr<SecureChannel> channel_;
};

SecureChannel::SecureChannel(asio::any_io_executor executor, Router& router, ChannelOptions options, Role role)
    : executor_(executor),
      router_(router),
      options_(std::move(options)),
      role_(role),
      decryptor_(random_local_address(kChannelAddressPrefix)),
      encryptor_(Address::local(decryptor_.value + std::string(kEncryptorSuffix))),
      settled_(executor),
      outgoing_(executor, kOutgoingMessages) {
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
  settled_.expires_at(asio::steady_timer::time_point::max());
}

void SecureChannel::register_workers() {
  router_.register_worker(decryptor_, shared_from_this());
  router_.register_worker(encryptor_, std::make_shared<EncryptorWorker>(weak_from_this()));
}

void SecureChannel::start_timeout() {
  auto self = shared_from_this();
  asio::co_spawn(executor_, [self]() -> asio::awaitable<void> {
    asio::steady_timer timer(self->executor_, self->options_.handshake_timeout);
    co_await timer.async_wait(kUseTuple);
    if (self->state_ == State::handshaking) self->close("handshake timed out");
  }, asio::detached);
}

std::shared_ptr<SecureChannel> SecureChannel::initiate(asio::any_io_executor executor, Router& router,
                                                       Route route_to_listener, ChannelOptions options) {
  auto channel = std::make_shared<SecureChannel>(executor, router, std::move(options), Role::initiator);
  channel->register_workers();
  channel->peer_route_ = std::move(route_to_listener);
  channel->start_timeout();
  asio::co_spawn(executor, [channel]() -> asio::awaitable<void> {
    auto m1 = channel->handshake_->write_message({});  // -> e
    if (!m1) {
      channel->close("cannot write the first handshake message: " + m1.error().message());
      co_return;
    }
    co_await channel->send_to_peer(kHandshakeType, *m1);
  }, asio::detached);
  return channel;
}

std::shared_ptr<SecureChannel> SecureChannel::respond(asio::any_io_executor executor, Router& router, Message m1,
                                                      ChannelOptions options) {
  auto channel = std::make_shared<SecureChannel>(executor, router, std::move(options), Role::responder);
  channel->register_workers();
  channel->peer_route_ = m1.return_route;
  channel->start_timeout();
  asio::co_spawn(executor, channel->on_handshake(std::move(m1)), asio::detached);
  return channel;
}

asio::awaitable<bool> SecureChannel::established() {
  auto self = shared_from_this();
  if (state_ == State::handshaking) co_await settled_.async_wait(kUseTuple);
  co_return state_ == State::established;
}

asio::awaitable<void> SecureChannel::handle_message(Message message) {
  if (state_ == State::closed) co_return;
  if (message.payload.empty()) {
    close("empty message from the peer");
    co_return;
  }
  switch (message.payload[0]) {
    case kHandshakeType: co_await on_handshake(std::move(message)); break;
    case kRecordType: co_await on_record(ByteView(message.payload).subspan(1)); break;
    case kConfirmType: on_confirm(ByteView(message.payload).subspan(1)); break;
    case kCredentialType: on_credential_update(ByteView(message.payload).subspan(1)); break;
    case kRefusalType:
      close("refused by the peer: " + std::string(as_chars(ByteView(message.payload).subspan(1))));
      break;
    default: close("unknown message type from the peer"); break;
  }
}

asio::awaitable<void> SecureChannel::on_handshake(Message message) {
  auto self = shared_from_this();
  if (state_ != State::handshaking || cipher_) {
    ++records_rejected_;
    close("a handshake message arrived after the handshake");
    co_return;
  }
  auto payload = handshake_->read_message(ByteView(message.payload).subspan(1));
  if (!payload) {
    close("bad handshake message: " + payload.error().message());
    co_return;
  }
  const bool initiator = role_ == Role::initiator;
  // The initiator reads m2 (the responder's identity), the responder reads m1 (nothing yet) then m3.
  if (initiator || handshake_->is_complete()) {
    if (auto ec = accept_peer(*payload)) {
      const std::string reason = "peer refused by policy: " + ec.message();
      co_await send_to_peer(kRefusalType, as_bytes(ec.message()));
      close(reason);
      co_return;
    }
  }
  if (initiator) peer_route_ = message.return_route;  // m2 came from the responder's decryptor
  if (!handshake_->is_complete()) {
    // <- e, ee, s, es (responder, m2) or -> s, se (initiator, m3): both carry our identity.
    const Bytes mine = encode_handshake_payload(
        make_handshake_payload(*options_.identity, noise_public_, offers_aes_gcm(), options_.credential));
    auto reply = handshake_->write_message(mine);
    if (!reply) {
      close("cannot write handshake message: " + reply.error().message());
      co_return;
    }
    co_await send_to_peer(kHandshakeType, *reply);
  }
  if (!handshake_->is_complete()) co_return;
  if (!split_keys()) co_return;
  if (initiator) co_return;  // established once the responder confirms
  auto confirmation = cipher_->encrypt({});
  if (!confirmation) {
    close("cannot encrypt the confirmation: " + confirmation.error().message());
    co_return;
  }
  mark_established();
  co_await send_to_peer(kConfirmType, *confirmation);
}

void SecureChannel::on_confirm(ByteView record) {
  if (state_ != State::handshaking || !cipher_ || role_ != Role::initiator) {
    close("unexpected confirmation");
    return;
  }
  if (auto plaintext = cipher_->decrypt(record); !plaintext || !plaintext->empty()) {
    close("bad confirmation from the peer");
    return;
  }
  mark_established();
}

std::error_code SecureChannel::accept_peer(ByteView payload_bytes) {
  auto payload = decode_handshake_payload(payload_bytes);
  if (!payload) return payload.error();
  auto remote = handshake_->remote_static();
  if (!remote) return PolicyError::bad_attestation;
  auto verified = check_peer(options_.policy, *payload, *remote, options_.clock());
  if (!verified) return verified.error();
  peer_ = std::move(*verified);
  return {};
}

bool SecureChannel::offers_aes_gcm() const { return options_.aes_hardware && crypto::aes_gcm_available(); }

bool SecureChannel::split_keys() {
  auto transport = std::move(*handshake_).split();
  if (!transport) {
    close("handshake split failed: " + transport.error().message());
    return false;
  }
  // AES-256-GCM only when both ends have AES hardware (said in the payloads the handshake authenticated, so nobody
  // on the path can force either choice); ChaCha20-Poly1305 otherwise, as on every Raspberry Pi.
  if (offers_aes_gcm() && peer_ && peer_->aes_hardware) transport->switch_cipher(CipherKind::aes_gcm);
  cipher_.emplace(std::move(*transport));
  return true;
}

void SecureChannel::mark_established() {
  state_ = State::established;
  stamp_origin();
  settled_.cancel();
  spdlog::info("secure channel {} established with {} ({})", decryptor_.value, peer_ ? peer_->identifier : "?",
               cipher_->cipher() == CipherKind::aes_gcm ? "aes-256-gcm" : "chacha20-poly1305");
  auto self = shared_from_this();
  asio::co_spawn(executor_, [self]() { return self->encrypt_loop(); }, asio::detached);
  last_received_ = std::chrono::steady_clock::now();
  if (options_.idle_timeout.count() > 0) asio::co_spawn(executor_, close_when_idle(), asio::detached);
}

asio::awaitable<void> SecureChannel::close_when_idle() {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  while (state_ == State::established) {
    const auto idle = std::chrono::steady_clock::now() - last_received_;
    if (idle >= options_.idle_timeout) {
      close("nothing received for " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.idle_timeout).count()) + " s");
      co_return;
    }
    timer.expires_after(options_.idle_timeout - idle);
    co_await timer.async_wait(kUseTuple);
  }
}

// What every decrypted message says about its sender, rebuilt when the peer presents a new credential.
void SecureChannel::stamp_origin() {
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

void SecureChannel::present_credential(Bytes credential) {
  if (state_ != State::established) return;
  // An empty onward route marks a credential update in the queue (enqueue_plaintext never queues one).
  Message update{{}, {}, std::move(credential)};
  if (!outgoing_.try_send(asio::error_code{}, std::move(update))) {
    spdlog::warn("secure channel {}: the send queue is full; the fresh credential goes with the next refresh",
                 decryptor_.value);
  }
}

std::optional<Bytes> SecureChannel::open_record(ByteView record, std::string_view what) {
  auto plaintext = cipher_->decrypt(record);
  if (!plaintext) {
    ++records_rejected_;
    close(std::string(what) + " rejected: " + plaintext.error().message());
    return std::nullopt;
  }
  last_received_ = std::chrono::steady_clock::now();
  return std::move(*plaintext);
}

void SecureChannel::on_credential_update(ByteView record) {
  if (state_ != State::established || !peer_) {
    close("a credential update arrived before the handshake finished");
    return;
  }
  auto plaintext = open_record(record, "credential update");
  if (!plaintext) return;
  if (!options_.policy.authority) return;  // this side does not judge credentials (e.g. a node about its hub)
  auto credential = identity::decode_credential(*plaintext);
  std::error_code ec = credential ? identity::verify_credential(*credential, *options_.policy.authority, options_.clock())
                                  : credential.error();
  if (!ec && credential->subject != peer_->identifier) ec = PolicyError::bad_credential;
  if (ec) {
    close("bad credential update from the peer: " + ec.message());
    return;
  }
  spdlog::info("secure channel {}: {} presented a fresh credential, valid until {} (seconds since the epoch)",
               decryptor_.value, peer_->identifier, credential->expires_at);
  peer_->credential = std::move(*credential);
  stamp_origin();
}

asio::awaitable<void> SecureChannel::enqueue_plaintext(Message message) {
  if (state_ != State::established) {
    spdlog::warn("secure channel {}: dropped a message for {}: the channel is not established", decryptor_.value,
                 to_string(message.onward));
    co_return;
  }
  message.onward.erase(message.onward.begin());  // our encryptor hop
  if (message.onward.empty()) {
    spdlog::warn("secure channel {}: dropped a message from {} with nowhere to go past the channel",
                 decryptor_.value, to_string(message.return_route));
    co_return;
  }
  co_await outgoing_.async_send(asio::error_code{}, std::move(message), kUseTuple);
}

asio::awaitable<void> SecureChannel::encrypt_loop() {
  auto self = shared_from_this();
  // One coroutine encrypts and sends, so records leave in nonce order whoever queued them.
  for (;;) {
    auto [ec, message] = co_await outgoing_.async_receive(kUseTuple);
    if (ec || state_ != State::established) co_return;
    if (message.onward.empty()) {  // a credential update (present_credential)
      auto record = cipher_->encrypt(message.payload);
      if (!record) {
        close("cannot encrypt: " + record.error().message());
        co_return;
      }
      co_await send_to_peer(kCredentialType, *record);
      continue;
    }
    auto inner = wire::encode_message(message);
    if (!inner) {
      spdlog::warn("secure channel {}: dropped a message for {}: {}", decryptor_.value, to_string(message.onward),
                   inner.error().message());
      continue;
    }
    auto record = cipher_->encrypt(*inner);
    if (!record) {
      close("cannot encrypt: " + record.error().message());
      co_return;
    }
    co_await send_to_peer(kRecordType, *record);
  }
}

asio::awaitable<void> SecureChannel::on_record(ByteView record) {
  auto self = shared_from_this();
  if (state_ != State::established) {
    close("a record arrived before the handshake finished");
    co_return;
  }
  auto plaintext = open_record(record, "record");
  if (!plaintext) co_return;
  auto inner = wire::decode_message(*plaintext);
  if (!inner) {
    close("malformed message inside a record: " + inner.error().message());
    co_return;
  }
  inner->return_route.insert(inner->return_route.begin(), encryptor_);
  inner->origin = origin_;
  co_await router_.send(std::move(*inner));
}

asio::awaitable<void> SecureChannel::send_to_peer(std::uint8_t type, ByteView body) {
  Bytes payload;
  payload.reserve(body.size() + 1);
  payload.push_back(type);
  payload.insert(payload.end(), body.begin(), body.end());
  Message message{peer_route_, Route(1, decryptor_), std::move(payload)};
  co_await router_.send(std::move(message));
}

void SecureChannel::close(const std::string& reason) {
  if (state_ == State::closed) return;
  const bool during_handshake = state_ == State::handshaking;
  state_ = State::closed;
  failure_ = reason;
  spdlog::warn("secure channel {} with {} closed: {}", decryptor_.value, peer_ ? peer_->identifier : to_string(peer_route_),
               reason);
  outgoing_.close();
  settled_.cancel();
  router_.unregister_worker(decryptor_);
  router_.unregister_worker(encryptor_);
  if (during_handshake && options_.on_handshake_failure) options_.on_handshake_failure(reason);
  if (auto on_closed = std::move(options_.on_closed)) on_closed(encryptor_, reason);
}

std::shared_ptr<SecureChannelListener> SecureChannelListener::start(asio::any_io_executor executor, Router& router,
                                                                    ChannelOptions options) {
  auto listener = std::make_shared<SecureChannelListener>(std::move(executor), router, std::move(options));
  router.register_worker(Address::local(std::string(kListenerAddress)), listener);
  return listener;
}

asio::awaitable<void> SecureChannelListener::handle_message(Message message) {
  if (message.payload.empty() || message.payload[0] != kHandshakeType || message.return_route.empty()) {
    const std::string from = to_string(message.return_route);
    if (auto gate = util::log_gate("listener-not-handshake", source_of(message.return_route))) {
      spdlog::warn("secure channel listener: dropped a message that does not open a channel, from {}{}",
                   util::clip(from), gate.suffix());
    }
    co_return;
  }
  forget_closed();
  const std::string source = source_of(message.return_route);
  const auto counts = count(source);
  // A Weyl sequence is plenty for an early-drop coin: it only has to be fair, not secret.
  const double draw = static_cast<double>((++draws_ * 0x9E3779B97F4A7C15ull) >> 11) * 0x1.0p-53;
  const auto now = HandshakeGate::Clock::now();
  if (const auto verdict = gate_->admit(source, counts, now, draw); verdict != HandshakeVerdict::admit) {
    if (auto gate = util::log_gate("handshake-refused", source)) {
      spdlog::warn("secure channel listener: dropped a first handshake message from {}: {} ({} pending in all, {} "
                   "from it, {} channels){}", util::clip(source), describe(verdict), counts.pending,
                   counts.pending_of_source, counts.channels_of_source, gate.suffix());
    }
    co_return;
  }
  ChannelOptions options = options_;
  options.on_handshake_failure = [gate = gate_, source, also = std::move(options.on_handshake_failure)](
                                     const std::string& why) {
    gate->failed(source, HandshakeGate::Clock::now());
    if (also) also(why);
  };
  if (on_channel_closed_) {
    options.on_closed = [observer = on_channel_closed_, also = std::move(options.on_closed)](const Address& encryptor,
                                                                                           const std::string& why) {
      if (also) also(encryptor, why);
      observer(encryptor, why);
    };
  }
  channels_.push_back(SecureChannel::respond(executor_, router_, std::move(message), std::move(options)));
}

std::string SecureChannelListener::source_of(const Route& return_route) const {
  std::string source;
  for (std::size_t i = 0; i < return_route.size() && i < source_hops_; ++i) {
    if (i > 0) source += ',';
    source += return_route[i].value;
  }
  return source;
}

HandshakeCounts SecureChannelListener::count(const std::string& source) const {
  HandshakeCounts counts;
  for (const auto& weak : channels_) {
    auto channel = weak.lock();
    if (!channel || channel->state() == SecureChannel::State::closed) continue;
    const bool pending = channel->state() == SecureChannel::State::handshaking;
    const bool ours = source_of(channel->peer_route()) == source;
    counts.pending += pending ? 1 : 0;
    counts.pending_of_source += pending && ours ? 1 : 0;
    counts.channels_of_source += ours ? 1 : 0;
  }
  return counts;
}

void SecureChannelListener::forget_closed() {
  std::erase_if(channels_, [](const std::weak_ptr<SecureChannel>& weak) {
    auto channel = weak.lock();
    return !channel || channel->state() == SecureChannel::State::closed;
  });
}

void SecureChannelListener::close_channels(const std::string& reason, const std::optional<Address>& first_hop) {
  for (const auto& weak : channels_) {
    auto channel = weak.lock();
    if (!channel) continue;
    const Route& back = channel->peer_route();
    if (!first_hop || (!back.empty() && back.front() == *first_hop)) channel->close(reason);
  }
  forget_closed();
}

std::size_t SecureChannelListener::open_channels() {
  forget_closed();
  return channels_.size();
}

}  // namespace portico::channel
