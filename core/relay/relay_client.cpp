#include "relay/relay_client.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::relay {

RelayClient::RelayClient(Router& router, std::shared_ptr<HubPath> hub, Options options)
    : router_(router),
      hub_(std::move(hub)),
      options_(std::move(options)),
      timer_(hub_->executor()) {}

std::shared_ptr<RelayClient> RelayClient::start(Router& router, std::shared_ptr<HubPath> hub, Options options) {
  auto client = std::make_shared<RelayClient>(router, std::move(hub), std::move(options));
  router.register_worker(Address::local(client->options_.client_address), client);
  std::weak_ptr<RelayClient> weak = client;
  client->hub_->on_state_change([weak](bool up) {
    auto self = weak.lock();
    if (!self) return;
    self->registered_ = false;
    if (up) self->timer_.cancel();  // register now rather than at the next retry tick
  });
  asio::co_spawn(client->timer_.get_executor(), client->keep_registered(), asio::detached);
  return client;
}

asio::awaitable<void> RelayClient::keep_registered() {
  auto self = shared_from_this();
  while (!stopped_) {
    if (hub_->up() && !registered_) co_await send_register();
    timer_.expires_after(kRetryInterval);
    co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> RelayClient::send_register() {
  Message request{hub_->route_to(kServiceAddress), Route(1, Address::local(options_.client_address)),
                  encode(Register{options_.name, options_.owner})};
  co_await router_.send(std::move(request));
}

asio::awaitable<void> RelayClient::handle_message(Message message) {
  auto decoded = decode_relay_message(message.payload);
  if (!decoded) {
    if (auto gate = util::log_gate("relay-client-malformed", "hub")) {
      spdlog::warn("relay client: malformed answer from the hub: {}{}", decoded.error().message(), gate.suffix());
    }
    co_return;
  }
  if (auto* registered = std::get_if<Registered>(&*decoded)) {
    if (registered->name != options_.name) co_return;  // an answer to an older request
    registered_ = true;
    const bool first = !ever_registered_;
    ever_registered_ = true;
    if (options_.on_registered) options_.on_registered(*registered, first);
  } else if (auto* refused = std::get_if<Refused>(&*decoded)) {
    if (options_.on_refused) options_.on_refused(*refused);
  }
}

void RelayClient::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace portico::relay
