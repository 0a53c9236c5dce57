#include "channel/hub_session.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace portico::channel {

HubSession::HubSession(std::shared_ptr<TcpLink> link, Router& router, Options options)
    : link_(std::move(link)), router_(router), options_(std::move(options)), changed_(link_->executor()) {
  options_.channel.policy = TrustPolicy{.expected_identifier = options_.hub_identifier};
  if (options_.channel.keepalive.count() == 0) options_.channel.keepalive = kKeepalive;
  if (options_.channel.dead_after.count() == 0) options_.channel.dead_after = kDeadAfter;
}

std::shared_ptr<HubSession> HubSession::start(std::shared_ptr<TcpLink> link, Router& router, Options options) {
  auto session = std::make_shared<HubSession>(std::move(link), router, std::move(options));
  std::weak_ptr<HubSession> weak = session;
  session->link_->on_state_change([weak](bool up) {
    auto self = weak.lock();
    if (!self) return;
    if (!up && self->channel_ && self->channel_->state() == SecureChannel::State::handshaking) {
      self->channel_->close("the link to the hub went down", false);
    }
    self->changed_.notify();
  });
  asio::co_spawn(session->executor(), session->run(), asio::detached);
  return session;
}

Route HubSession::route_to(std::string_view worker) const {
  if (!channel_) return {};
  return Route{channel_->encryptor(), Address::local(std::string(worker))};
}

void HubSession::reopen(const std::string& reason) {
  if (channel_) channel_->close(reason);
  changed_.notify();
}

void HubSession::present_credential() {
  if (channel_ && channel_->state() == SecureChannel::State::established) {
    channel_->present_credential(options_.channel.credential);
  }
}

void HubSession::stop() {
  stopped_ = true;
  if (channel_) channel_->close("the node is stopping");
  changed_.notify();
}

void HubSession::set_up(bool up) {
  if (up_ == up) return;
  up_ = up;
  for (const auto& observer : observers_) observer(up);
}

asio::awaitable<void> HubSession::run() {
  auto self = shared_from_this();
  asio::steady_timer retry(executor());
  while (!stopped_) {
    if (!link_->up()) {
      co_await changed_.wait();
      continue;
    }
    ChannelOptions options = options_.channel;
    options.on_closed = [weak = weak_from_this()](const Address&, const std::string&) {
      if (auto session = weak.lock()) session->changed_.notify();
    };
    channel_ = SecureChannel::initiate(executor(), router_, link_->route_to(kListenerAddress), std::move(options));
    if (!co_await channel_->established()) {
      const std::string reason = channel_->failure();
      channel_.reset();
      if (stopped_) break;
      if (link_->up()) {
        spdlog::error("{}: no secure channel: {}; retrying in {} s", options_.hub_name, reason,
                      kRetryAfterFailure.count());
        if (options_.on_failure) options_.on_failure(reason);
        retry.expires_after(kRetryAfterFailure);
        co_await retry.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    hub_ = channel_->peer();
    spdlog::info("{}: secure channel up, hub identity {}", options_.hub_name, hub_->identifier);
    set_up(true);
    while (!stopped_ && link_->up() && channel_->state() == SecureChannel::State::established) {
      co_await changed_.wait();
    }
    if (channel_->state() != SecureChannel::State::closed) channel_->close("the link to the hub went down", false);
    spdlog::warn("{}: secure channel down ({})", options_.hub_name, channel_->failure());
    channel_.reset();
    set_up(false);
  }
}

}  // namespace portico::channel
