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

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

ChannelCore::Time now() { return ChannelCore::Clock::now(); }

}  // namespace

// The local-facing half: hands plaintext to its channel.
class EncryptorWorker final : public Worker {
 public:
  explicit EncryptorWorker(std::weak_ptr<SecureChannel> channel) : channel_(std::move(channel)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (auto channel = channel_.lock()) co_await channel->from_local(std::move(message));
  }

 private:
  std::weak_ptr<SecureChannel> channel_;
};

SecureChannel::SecureChannel(asio::any_io_executor executor, Router& router, ChannelOptions options, Role role)
    : executor_(executor),
      router_(router),
      on_closed_(std::move(options.on_closed)),
      on_handshake_failure_(std::move(options.on_handshake_failure)),
      core_(std::move(options), role, random_local_address(kChannelAddressPrefix), now()),
      settled_(executor),
      timer_(executor) {
  settled_.expires_at(asio::steady_timer::time_point::max());
  timer_.expires_at(asio::steady_timer::time_point::max());
}

void SecureChannel::register_workers() {
  router_.register_worker(decryptor(), shared_from_this());
  router_.register_worker(encryptor(), std::make_shared<EncryptorWorker>(weak_from_this()));
  asio::co_spawn(executor_, run_timer(), asio::detached);
}

std::shared_ptr<SecureChannel> SecureChannel::initiate(asio::any_io_executor executor, Router& router,
                                                       Route route_to_listener, ChannelOptions options) {
  auto channel = std::make_shared<SecureChannel>(executor, router, std::move(options), Role::initiator);
  channel->register_workers();
  channel->sync(channel->core_.initiate(std::move(route_to_listener)));
  return channel;
}

std::shared_ptr<SecureChannel> SecureChannel::respond(asio::any_io_executor executor, Router& router, Message m1,
                                                      ChannelOptions options) {
  auto channel = std::make_shared<SecureChannel>(executor, router, std::move(options), Role::responder);
  channel->register_workers();
  channel->sync(channel->core_.respond(std::move(m1), now()));
  return channel;
}

asio::awaitable<bool> SecureChannel::established() {
  auto self = shared_from_this();
  if (state() == State::handshaking) co_await settled_.async_wait(kUseTuple);
  co_return state() == State::established;
}

asio::awaitable<void> SecureChannel::handle_message(Message message) {
  auto self = shared_from_this();
  co_await run(core_.from_peer(std::move(message), now()));
}

asio::awaitable<void> SecureChannel::from_local(Message message) {
  auto self = shared_from_this();
  co_await run(core_.from_local(std::move(message), now()));
}

void SecureChannel::close(const std::string& reason, bool tell_peer) { sync(core_.close(reason, tell_peer)); }

void SecureChannel::present_credential(Bytes credential) { sync(core_.present_credential(credential, now())); }

// Sends go to the router in the order the core made them; the router completes them without waiting.
asio::awaitable<void> SecureChannel::run(ChannelCore::Actions actions) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<ChannelCore::Send>(&action)) {
      co_await router_.send(std::move(send->message));
    } else {
      apply(action);
    }
  }
  rearm();
}

void SecureChannel::sync(ChannelCore::Actions actions) {
  ChannelCore::Actions sends;
  for (auto& action : actions) {
    if (std::holds_alternative<ChannelCore::Send>(action)) {
      sends.push_back(std::move(action));
    } else {
      apply(action);
    }
  }
  rearm();
  if (sends.empty()) return;
  asio::co_spawn(executor_, [self = shared_from_this(), sends = std::move(sends)]() mutable -> asio::awaitable<void> {
    co_await self->run(std::move(sends));
  }, asio::detached);
}

void SecureChannel::apply(ChannelCore::Action& action) {
  if (auto* log = std::get_if<ChannelCore::Log>(&action)) {
    if (log->warning) {
      spdlog::warn("{}", log->line);
    } else {
      spdlog::info("{}", log->line);
    }
  } else if (std::holds_alternative<ChannelCore::Established>(action)) {
    settled_.cancel();
  } else if (auto* closed = std::get_if<ChannelCore::Closed>(&action)) {
    settled_.cancel();
    timer_.cancel();
    router_.unregister_worker(decryptor());
    router_.unregister_worker(encryptor());
    if (closed->during_handshake && on_handshake_failure_) on_handshake_failure_(closed->reason);
    if (auto on_closed = std::move(on_closed_)) on_closed(encryptor(), closed->reason);
  }
}

// The timer waits for the core's next deadline; an earlier one (a probe just sent) wakes it to wait again.
void SecureChannel::rearm() {
  const auto next = core_.next_deadline();
  if (state() != State::closed && next && *next < timer_.expiry()) timer_.expires_at(*next);
}

asio::awaitable<void> SecureChannel::run_timer() {
  auto self = shared_from_this();
  while (state() != State::closed) {
    const auto next = core_.next_deadline();
    timer_.expires_at(next ? *next : asio::steady_timer::time_point::max());
    co_await timer_.async_wait(kUseTuple);
    if (state() == State::closed) break;
    if (const auto due = core_.next_deadline(); due && *due <= now()) co_await run(core_.on_timer(now()));
  }
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
  // Over a direct link (p2p/direct_paths.hpp) everything after the link's own address is the peer's word: the
  // link alone is the source.
  if (!return_route.empty() && is_direct_link(return_route.front())) {
    return return_route.front().value;
  }
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
    if (!first_hop || (!back.empty() && back.front() == *first_hop)) channel->close(reason, !first_hop);
  }
  forget_closed();
}

std::size_t SecureChannelListener::close_channels_with(const std::string& identifier, const std::string& reason) {
  std::size_t closed = 0;
  for (const auto& weak : channels_) {
    auto channel = weak.lock();
    if (!channel || !channel->peer() || channel->peer()->identifier != identifier) continue;
    channel->close(reason);
    ++closed;
  }
  forget_closed();
  return closed;
}

std::vector<SecureChannelListener::Peer> SecureChannelListener::established_peers() {
  forget_closed();
  std::vector<Peer> peers;
  for (const auto& weak : channels_) {
    auto channel = weak.lock();
    if (channel && channel->state() == SecureChannel::State::established && channel->peer()) {
      peers.push_back({channel->encryptor(), channel->peer()->identifier, channel->peer_route()});
    }
  }
  return peers;
}

std::size_t SecureChannelListener::open_channels() {
  forget_closed();
  return channels_.size();
}

}  // namespace portico::channel
