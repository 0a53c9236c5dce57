#include "channel/outlet_channel.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "portal/portal_messages.hpp"

namespace portico::channel {
namespace {
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace

OutletChannel::OutletChannel(Router& router, std::shared_ptr<HubSession> hub, Options options)
    : router_(router), hub_(std::move(hub)), options_(std::move(options)), opened_(hub_->executor()),
      answered_(hub_->executor()) {}

std::shared_ptr<OutletChannel> OutletChannel::start(Router& router, std::shared_ptr<HubSession> hub,
                                                    Options options) {
  auto channel = std::make_shared<OutletChannel>(router, std::move(hub), std::move(options));
  router.register_worker(Address::local(channel->options_.lookup_address), channel);
  std::weak_ptr<OutletChannel> weak = channel;
  // The channel's records travel inside the hub channel: when that goes, so does this one.
  channel->hub_->on_state_change([weak](bool up) {
    if (auto self = weak.lock(); self && !up) self->discard("the secure channel to the hub went down");
  });
  return channel;
}

portal::OutletRoutes OutletChannel::routes() {
  std::weak_ptr<OutletChannel> weak = weak_from_this();
  return {
      .get = [weak]() -> asio::awaitable<portal::OutletRoutes::Answer> {
        auto self = weak.lock();
        if (!self) co_return portal::OutletRoutes::Answer{{}, "the inlet is stopping"};
        co_return co_await self->route_to_outlet();
      },
      .failed = [weak](const std::string& why, std::chrono::steady_clock::time_point sent_at) {
        auto self = weak.lock();
        if (!self || !self->channel_) return;
        // A channel that carried anything since the Open is alive: only that stream was slow (a busy outlet or
        // target). Closing it would take every other stream along.
        if (self->channel_->last_received() > sent_at) return;
        if (self->direct_ && self->direct_->last_received() > sent_at) return;
        self->discard(why);
      },
  };
}

void OutletChannel::discard(const std::string& reason) {
  if (channel_ && channel_->state() != SecureChannel::State::closed) channel_->close(reason);
  channel_.reset();
  if (direct_ && direct_->state() != SecureChannel::State::closed) direct_->close(reason);
  direct_.reset();
  direct_link_.reset();
  owner_.clear();
}

bool OutletChannel::direct() const { return direct_ && direct_->state() == SecureChannel::State::established; }

void OutletChannel::open_direct(const Address& link) {
  if (!channel_ || owner_.empty() || !hub_->hub()) return;
  if (auto old = std::move(direct_); old && old->state() != SecureChannel::State::closed) {
    old->close("a new direct link replaces it");
  }
  direct_link_ = link;
  direct_failed_at_.reset();
  opening_direct_ = true;
  asio::co_spawn(hub_->executor(), open_direct_channel(link, ++direct_generation_), asio::detached);
}

asio::awaitable<void> OutletChannel::open_direct_channel(Address link, std::uint64_t generation) {
  auto self = shared_from_this();
  const std::string relay = "relay \"" + options_.relay_name + "\"";
  ChannelOptions options = options_.channel;
  options.policy = TrustPolicy{.authority = hub_->hub()->identity_key, .expected_identifier = owner_};
  options.on_closed = [weak = weak_from_this()](const Address& encryptor, const std::string& why) {
    auto self = weak.lock();
    if (!self) return;
    if (self->direct_ && self->direct_->encryptor() == encryptor) self->direct_.reset();
    if (self->on_lost_) self->on_lost_(encryptor, why);
  };
  auto channel = SecureChannel::initiate(hub_->executor(), router_, Route{link, Address::local(std::string(kListenerAddress))},
                                         std::move(options));
  const bool established = co_await channel->established();
  if (generation != direct_generation_ || direct_link_ != link) {  // a newer opening, or the link went away
    if (established) channel->close("the direct link closed, or a newer one replaced it");
    co_return;
  }
  opening_direct_ = false;
  if (!established) {
    spdlog::warn("end-to-end channel to {} over the direct link failed: {}; streams stay on the relay", relay,
                 channel->failure());
    direct_failed_at_ = std::chrono::steady_clock::now();  // tried again after kDirectRetry, not by every stream
    co_return;
  }
  spdlog::info("end-to-end secure channel to {} over the direct link established: new streams go direct", relay);
  if (auto old = std::exchange(direct_, std::move(channel)); old && old->state() != SecureChannel::State::closed) {
    old->close("a newer channel over the direct link replaces it");
  }
}

void OutletChannel::direct_lost(const Address& link, const std::string& why) {
  if (direct_link_ != link) return;
  direct_link_.reset();
  if (auto channel = std::move(direct_); channel && channel->state() != SecureChannel::State::closed) {
    spdlog::info("end-to-end channel to relay \"{}\" over the direct link closed: {}; new streams go through the relay",
                 options_.relay_name, why);
    channel->close("the direct link closed: " + why, false);
  }
}

asio::awaitable<portal::OutletRoutes::Answer> OutletChannel::route_to_outlet() {
  auto self = shared_from_this();
  while (opening_) {
    opened_.expires_at(asio::steady_timer::time_point::max());
    co_await opened_.async_wait(kUseTuple);
  }
  if (channel_ && channel_->state() == SecureChannel::State::established) {
    if (direct()) {
      co_return portal::OutletRoutes::Answer{
          Route{direct_->encryptor(), Address::local(portal::outlet_address_for(options_.relay_name))}, {}, owner_};
    }
    // A direct link whose channel closed (idle, say): this stream takes the relay, the next ones a new channel.
    const bool failed_lately =
        direct_failed_at_ && std::chrono::steady_clock::now() - *direct_failed_at_ < kDirectRetry;
    if (direct_link_ && !direct_ && !opening_direct_ && !failed_lately) {
      opening_direct_ = true;
      asio::co_spawn(hub_->executor(), open_direct_channel(*direct_link_, ++direct_generation_), asio::detached);
    }
    co_return outlet_answer();
  }
  opening_ = true;
  auto answer = co_await open();
  opening_ = false;
  opened_.cancel();
  co_return answer;
}

portal::OutletRoutes::Answer OutletChannel::outlet_answer() const {
  return {Route{channel_->encryptor(), Address::local(portal::outlet_address_for(options_.relay_name))}, {}, owner_};
}

asio::awaitable<portal::OutletRoutes::Answer> OutletChannel::open() {
  const std::string relay = "relay \"" + options_.relay_name + "\"";
  if (!hub_->up() || !hub_->hub()) co_return portal::OutletRoutes::Answer{{}, "no secure channel to the hub yet"};
  std::string failure;
  auto owner = co_await lookup_owner(failure);
  if (!owner) co_return portal::OutletRoutes::Answer{{}, failure};
  if (options_.vet_owner) {
    if (std::string refusal = options_.vet_owner(*owner); !refusal.empty()) {
      co_return portal::OutletRoutes::Answer{{}, refusal};
    }
  }
  ChannelOptions options = options_.channel;
  // Only the identity that owns the relay, and only while the hub vouches for it.
  options.policy = TrustPolicy{.authority = hub_->hub()->identity_key, .expected_identifier = *owner};
  options.on_closed = [weak = weak_from_this(), also = std::move(options.on_closed)](const Address& encryptor,
                                                                                    const std::string& why) {
    if (also) also(encryptor, why);
    if (auto self = weak.lock(); self && self->on_lost_) self->on_lost_(encryptor, why);
  };
  Route to_listener = hub_->route_to(std::string(relay::kRelayAddressPrefix) + options_.relay_name);
  to_listener.push_back(Address::local(std::string(kListenerAddress)));
  auto channel = SecureChannel::initiate(hub_->executor(), router_, std::move(to_listener), std::move(options));
  if (!co_await channel->established()) {
    spdlog::warn("end-to-end channel to {} failed: {}", relay, channel->failure());
    co_return portal::OutletRoutes::Answer{{}, "end-to-end secure channel to " + relay + " failed: " + channel->failure()};
  }
  spdlog::info("end-to-end secure channel to {} (outlet {}) established", relay, *owner);
  channel_ = std::move(channel);
  owner_ = *owner;
  if (on_established_) on_established_(channel_->encryptor(), owner_);
  co_return outlet_answer();
}

asio::awaitable<std::optional<std::string>> OutletChannel::lookup_owner(std::string& failure) {
  answer_.reset();
  Message request{hub_->route_to(relay::kServiceAddress), Route(1, Address::local(options_.lookup_address)),
                  relay::encode(relay::Lookup{options_.relay_name})};
  co_await router_.send(std::move(request));
  answered_.expires_after(kLookupTimeout);
  co_await answered_.async_wait(kUseTuple);
  if (!answer_) {
    failure = "the hub did not say who owns relay \"" + options_.relay_name + "\"";
    co_return std::nullopt;
  }
  if (auto* owner = std::get_if<relay::Owner>(&*answer_)) co_return owner->identifier;
  if (auto* refused = std::get_if<relay::Refused>(&*answer_)) {
    failure = "relay \"" + options_.relay_name + "\": " + refused->reason;
  } else {
    failure = "unexpected answer from the hub's relay service";
  }
  co_return std::nullopt;
}

asio::awaitable<void> OutletChannel::handle_message(Message message) {
  auto decoded = relay::decode_relay_message(message.payload);
  if (!decoded) {
    spdlog::warn("relay lookup: malformed answer from the hub: {}", decoded.error().message());
    co_return;
  }
  const bool ours = std::visit([this](const auto& m) { return m.name == options_.relay_name; }, *decoded);
  if (!ours) co_return;
  answer_ = std::move(*decoded);
  answered_.cancel();
}

}  // namespace portico::channel
