#pragma once
// RelayService: the hub's relay worker at local address "relay", and one forwarding worker per registered name
// at "forward_to_<name>".
//
// A Register message's return route is [hub's link to the node, node's relay client]; everything but the last
// hop is the route to the node, stored in the RelayTable. A message reaching "forward_to_<name>" has that hop
// replaced by the stored route — [link to node, rest of the onward route] — and goes on with its return route
// untouched, so replies travel back along the links it came by. The hub decrypts nothing and keeps no data.
//
// Thread safety: none; one io_context thread.

#include <memory>

#include "relay/relay_messages.hpp"
#include "relay/relay_table.hpp"
#include "routing/router.hpp"

namespace portico::relay {

class RelayService final : public Worker, public std::enable_shared_from_this<RelayService> {
 public:
  explicit RelayService(Router& router) : router_(router) {}

  // Registers the service at kServiceAddress.
  static std::shared_ptr<RelayService> start(Router& router);

  asio::awaitable<void> handle_message(Message message) override;
  const RelayTable& table() const { return table_; }

  // Forwards one message that arrived at "forward_to_<name>".
  asio::awaitable<void> forward(const std::string& name, Message message);

 private:
  asio::awaitable<void> answer_lookup(const std::string& name, const Message& request);

  Router& router_;
  RelayTable table_;
};

}  // namespace portico::relay
