#pragma once
// RelayClient: keeps a relay name registered at the hub, over the node's path to it (a link, or the secure
// channel over one).
//
// It registers whenever the path comes up (a hub restart or a network drop both end in a new one) and again
// every kRetryInterval while no answer has come, so a lost request or reply only delays readiness. It is the
// worker at "relay-client" that the hub's answers come back to.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/steady_timer.hpp>

#include "relay/relay_messages.hpp"
#include "routing/router.hpp"
#include "routing/hub_path.hpp"

namespace portico::relay {

class RelayClient final : public Worker, public std::enable_shared_from_this<RelayClient> {
 public:
  static constexpr std::chrono::seconds kRetryInterval{3};
  static constexpr std::string_view kClientAddress = "relay-client";

  struct Options {
    std::string name;
    std::string owner;  // informative: over a secure channel the hub takes the owner from the verified peer
    // Called on each confirmed registration; `first` is true once per process.
    std::function<void(const Registered&, bool first)> on_registered;
    std::function<void(const Refused&)> on_refused;
    // Where the hub's answers come back (one per RelayClient of a node: an outlet each).
    std::string client_address = std::string(kClientAddress);
  };

  RelayClient(Router& router, std::shared_ptr<HubPath> hub, Options options);
  // Registers the client worker and starts keeping the name registered.
  static std::shared_ptr<RelayClient> start(Router& router, std::shared_ptr<HubPath> hub, Options options);

  asio::awaitable<void> handle_message(Message message) override;
  bool registered() const { return registered_; }
  void stop();

 private:
  asio::awaitable<void> keep_registered();
  asio::awaitable<void> send_register();

  Router& router_;
  std::shared_ptr<HubPath> hub_;
  Options options_;
  asio::steady_timer timer_;
  bool registered_ = false;
  bool ever_registered_ = false;
  bool stopped_ = false;
};

}  // namespace portico::relay
