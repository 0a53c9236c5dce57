#pragma once
// HubPath: how a node's workers reach its hub — a plain TCP link (core tests) or a secure channel over one
// (channel/hub_session.hpp, what the agent uses). Clients of hub services (the relay client, the inlet's relay
// lookup, enrollment) see only this.
//
// Thread safety: none; one io_context thread.

#include <functional>
#include <string_view>

#include <asio/any_io_executor.hpp>

#include "routing/address.hpp"

namespace portico {

class HubPath {
 public:
  using StateObserver = std::function<void(bool up)>;
  virtual ~HubPath() = default;
  virtual bool up() const = 0;
  // Adds an observer called on every change between up and down.
  virtual void on_state_change(StateObserver observer) = 0;
  // The route from this node to the worker at local address `worker` on the hub (meaningful while up).
  virtual Route route_to(std::string_view worker) const = 0;
  virtual asio::any_io_executor executor() = 0;
};

}  // namespace portico
