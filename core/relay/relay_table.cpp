#include "relay/relay_table.hpp"

namespace portico::relay {

RegisterOutcome RelayTable::register_relay(const std::string& name, const std::string& owner, Route route_to_node) {
  auto [it, created] = bindings_.try_emplace(name, RelayBinding{owner, route_to_node});
  if (created) return RegisterOutcome::created;
  if (it->second.owner != owner) return RegisterOutcome::refused;
  it->second.route_to_node = std::move(route_to_node);
  return RegisterOutcome::replaced;
}

const RelayBinding* RelayTable::find(const std::string& name) const {
  auto it = bindings_.find(name);
  return it == bindings_.end() ? nullptr : &it->second;
}

}  // namespace portico::relay
