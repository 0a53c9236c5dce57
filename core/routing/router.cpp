#include "routing/router.hpp"

#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico {
namespace routing {
namespace {
class RoutingCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.routing"; }
  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::empty_route: return "message has an empty onward route";
      case Error::unknown_address: return "no worker at that address";
      case Error::no_transport: return "no transport for that address type";
      case Error::link_closed: return "link is closed";
      case Error::denied: return "denied by this node's access rules";
      case Error::queue_full: return "the peer is not reading: its send queue is full";
    }
    return "unknown routing error";
  }
};
}  // namespace

const std::error_category& routing_category() {
  static const RoutingCategory category;
  return category;
}
}  // namespace routing

bool Router::register_worker(const Address& address, std::shared_ptr<Worker> worker) {
  return workers_.try_emplace(address, std::move(worker)).second;
}

void Router::unregister_worker(const Address& address) { workers_.erase(address); }

asio::awaitable<std::error_code> Router::send(Message message) {
  if (message.onward.empty()) {
    ++dropped_;
    const std::string back = to_string(message.return_route);
    if (auto gate = util::log_gate("empty-route", back.substr(0, 64))) {
      spdlog::warn("dropped message with an empty onward route (return route {}){}", util::clip(back), gate.suffix());
    }
    co_return routing::Error::empty_route;
  }
  const Address& next = message.onward.front();
  if (message.origin && admission_) {
    if (std::string reason = admission_(message); !reason.empty()) {
      ++denied_;
      const std::string sender = message.origin->kind == MessageOrigin::Kind::channel
                                     ? "peer " + message.origin->peer
                                     : "link " + (message.return_route.empty() ? std::string("?")
                                                                               : message.return_route.front().to_string());
      // One line per sender and reason a second at most (after a burst): a flood of denied messages costs the
      // log a bounded amount.
      // Keyed by sender, reason and the kind of destination (another node, a secure channel, any other worker),
      // so each kind of attempt is logged while a flood of one kind is not; no key an attacker can multiply.
      const std::string_view kind = !next.is_local()                   ? "node"
                                    : next.value.starts_with("sc-")     ? "channel"
                                                                        : "worker";
      if (auto gate = util::log_gate("denied/" + reason + "/" + std::string(kind), sender)) {
        spdlog::warn("denied a message for {} from {}: {}{}", util::clip(next.to_string()), sender, reason,
                     gate.suffix());
      }
      co_return routing::Error::denied;
    }
  }
  if (next.is_local()) {
    auto it = workers_.find(next);
    if (it == workers_.end()) {
      ++dropped_;
      const std::string back = to_string(message.return_route);
      if (auto gate = util::log_gate("unknown-address", message.return_route.empty()
                                                             ? std::string_view("?")
                                                             : std::string_view(message.return_route.front().value))) {
        spdlog::warn("dropped message for unknown address {} (return route {}){}", util::clip(next.to_string()),
                     util::clip(back), gate.suffix());
      }
      if (message.origin && dead_letters_) {
        std::shared_ptr<Worker> dead_letters = dead_letters_;
        co_await dead_letters->handle_message(std::move(message));
      }
      co_return routing::Error::unknown_address;
    }
    std::shared_ptr<Worker> worker = it->second;  // stays alive while it handles the message
    co_await worker->handle_message(std::move(message));
    co_return std::error_code{};
  }
  auto it = transports_.find(next.type);
  if (it == transports_.end()) {
    ++dropped_;
    if (auto gate = util::log_gate("no-transport", std::to_string(next.type))) {
      spdlog::warn("dropped message for {}: no transport for address type {}{}", util::clip(next.to_string()),
                   next.type, gate.suffix());
    }
    co_return routing::Error::no_transport;
  }
  co_return co_await it->second->send(std::move(message));
}

}  // namespace portico
