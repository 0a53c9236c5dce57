#include "relay/relay_service.hpp"

#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::relay {
namespace {

// The worker at "forward_to_<name>": hands each message to the service with its name.
class RelayForwarder final : public Worker {
 public:
  RelayForwarder(std::weak_ptr<RelayService> service, std::string name)
      : service_(std::move(service)), name_(std::move(name)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (auto service = service_.lock()) co_await service->forward(name_, std::move(message));
  }

 private:
  std::weak_ptr<RelayService> service_;
  std::string name_;
};

}  // namespace

std::shared_ptr<RelayService> RelayService::start(Router& router) {
  auto service = std::make_shared<RelayService>(router);
  router.register_worker(Address::local(std::string(kServiceAddress)), service);
  return service;
}

asio::awaitable<void> RelayService::handle_message(Message message) {
  auto decoded = decode_relay_message(message.payload);
  if (decoded && std::holds_alternative<Lookup>(*decoded) && !message.return_route.empty()) {
    co_await answer_lookup(std::get<Lookup>(*decoded).name, message);
    co_return;
  }
  const auto* request = decoded ? std::get_if<Register>(&*decoded) : nullptr;
  if (request == nullptr || message.return_route.size() < 2) {
    const std::string from = to_string(message.return_route);
    if (auto gate = util::log_gate("relay-malformed", message.origin ? message.origin->peer : from)) {
      spdlog::warn("relay service: dropped a malformed request from {}: {}{}", util::clip(from),
                   decoded ? "not a register request" : decoded.error().message(), gate.suffix());
    }
    co_return;
  }
  const Address self = Address::local(std::string(kServiceAddress));
  if (!valid_relay_name(request->name)) {
    if (auto gate = util::log_gate("relay-bad-name", message.return_route.front().value)) {
      spdlog::warn("relay service: refused name \"{}\" from {}: not a valid name{}", util::clip(request->name),
                   util::clip(message.return_route.front().value), gate.suffix());
    }
    Message refused = make_reply(message, self, encode(Refused{request->name, "not a valid relay name"}));
    co_await router_.send(std::move(refused));
    co_return;
  }
  Route to_node(message.return_route.begin(), message.return_route.end() - 1);
  // Over a secure channel the name belongs to the verified identity, whatever the request claims.
  const bool verified = message.origin && message.origin->kind == MessageOrigin::Kind::channel;
  const std::string owner = verified ? message.origin->peer : request->owner;
  const auto outcome = table_.register_relay(request->name, owner, to_node);
  if (outcome == RegisterOutcome::refused) {
    if (auto gate = util::log_gate("relay-taken", verified ? owner : to_string(to_node))) {
      spdlog::warn("relay service: refused relay \"{}\" to {}: the name belongs to another {}{}", request->name,
                   util::clip(verified ? owner : to_string(to_node)), verified ? "identity" : "node", gate.suffix());
    }
    Message refused = make_reply(message, self, encode(Refused{request->name, verified
        ? "the name belongs to another identity" : "the name belongs to another node"}));
    co_await router_.send(std::move(refused));
    co_return;
  }
  const std::string relay_address = std::string(kRelayAddressPrefix) + request->name;
  if (outcome == RegisterOutcome::created) {
    router_.register_worker(Address::local(relay_address),
                            std::make_shared<RelayForwarder>(weak_from_this(), request->name));
  }
  spdlog::info("relay \"{}\" {} -> {}{}", request->name,
               outcome == RegisterOutcome::created ? "registered" : "re-registered", to_string(to_node),
               verified ? " (owner " + owner + ")" : std::string());
  Message reply = make_reply(message, self, encode(Registered{request->name, relay_address}));
  co_await router_.send(std::move(reply));
}

asio::awaitable<void> RelayService::answer_lookup(const std::string& name, const Message& request) {
  const Address self = Address::local(std::string(kServiceAddress));
  const RelayBinding* binding = table_.find(name);
  Message reply = make_reply(request, self, binding ? encode(Owner{name, binding->owner})
                                                    : encode(Refused{name, "no relay of that name is registered"}));
  co_await router_.send(std::move(reply));
}

asio::awaitable<void> RelayService::forward(const std::string& name, Message message) {
  const RelayBinding* binding = table_.find(name);
  if (binding == nullptr) co_return;  // cannot happen: forwarders exist only for registered names
  if (!binding->route_to_node.empty() && !router_.has_worker(binding->route_to_node.front())) {
    const std::string from = to_string(message.return_route);
    if (auto gate = util::log_gate("relay-offline", name)) {
      spdlog::warn("relay \"{}\": its node is offline; dropped a message from {}{}", name, util::clip(from),
                   gate.suffix());
    }
    co_return;
  }
  spdlog::debug("relay \"{}\": forwarding a message from {}", name, util::clip(to_string(message.return_route)));
  Route onward = binding->route_to_node;
  onward.insert(onward.end(), message.onward.begin() + 1, message.onward.end());
  message.onward = std::move(onward);
  co_await router_.send(std::move(message));
}

}  // namespace portico::relay
