#include "portal/portal_outlet.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "portal/portal_messages.hpp"
#include "transport/connect.hpp"

namespace portico::portal {

PortalOutlet::PortalOutlet(asio::any_io_executor executor, Router& router, HostPort target, PortalOptions options)
    : executor_(std::move(executor)), router_(router), target_(std::move(target)), options_(options) {}

std::shared_ptr<PortalOutlet> PortalOutlet::start(asio::any_io_executor executor, Router& router, HostPort target,
                                                  PortalOptions options) {
  auto outlet = std::make_shared<PortalOutlet>(std::move(executor), router, std::move(target), options);
  router.register_worker(Address::local(std::string(kOutletAddress)), outlet);
  return outlet;
}

asio::awaitable<void> PortalOutlet::handle_message(Message message) {
  auto decoded = decode_portal_message(message.payload);
  const auto* open = decoded ? std::get_if<Open>(&*decoded) : nullptr;
  if (open == nullptr || message.return_route.empty()) {
    spdlog::warn("outlet: dropped a message that is not an Open from {}", to_string(message.return_route));
    co_return;
  }
  // Connecting takes a while: do it beside the link's reader, not in it.
  asio::co_spawn(executor_, connect_and_accept(std::move(message), open->window), asio::detached);
}

asio::awaitable<void> PortalOutlet::connect_and_accept(Message open, std::uint32_t peer_window) {
  auto self = shared_from_this();
  const std::uint64_t id = next_id_++;
  const std::string label = "stream " + std::to_string(id) + " to " + target_.to_string();
  const Address outlet_address = Address::local(std::string(kOutletAddress));
  auto refuse = [&](const std::string& reason) -> asio::awaitable<void> {
    spdlog::warn("{} refused: {}", label, reason);
    Message reset = make_reply(open, outlet_address, encode(Reset{reason}));
    co_await router_.send(std::move(reset));
  };
  if (!accepting_) {
    co_await refuse("the outlet is shutting down");
    co_return;
  }
  auto socket = co_await connect_tcp(target_, kConnectTimeout);
  if (!socket) {
    co_await refuse("cannot connect to target " + target_.to_string() + ": " + socket.error().message());
    co_return;
  }
  auto stream = std::make_shared<PortalStream>(std::move(*socket), router_, options_, label);
  streams_.add(stream);
  spdlog::debug("{} accepted", label);
  co_await stream->accept(open, peer_window);
}


}  // namespace portico::portal
