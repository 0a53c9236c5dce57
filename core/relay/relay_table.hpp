#pragma once
// RelayTable: the hub's map from relay name to the node that registered it, as a plain class.
//
// A name belongs to its owner (today the node id the outlet claims; with secure channels, the identity that
// registered it). The owner registering again replaces its binding at once — a stale registration never locks a
// returning device out; another owner is refused. A binding stays owned while its node is offline, so the
// name waits for its device rather than going to whoever asks next.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "routing/address.hpp"

namespace portico::relay {

struct RelayBinding {
  std::string owner;
  Route route_to_node;  // prefix that reaches the registering node from the hub (e.g. its link's address)
};

enum class RegisterOutcome { created, replaced, refused };

class RelayTable {
 public:
  RegisterOutcome register_relay(const std::string& name, const std::string& owner, Route route_to_node);
  const RelayBinding* find(const std::string& name) const;
  std::size_t size() const { return bindings_.size(); }

 private:
  std::unordered_map<std::string, RelayBinding> bindings_;
};

}  // namespace portico::relay
