#include "relay/relay_table.hpp"

namespace portico::relay {

RegisterOutcome RelayTable::register_relay(const std::string& name, const std::string& owner, Route route_to_node,
                                           std::uint64_t now, bool holder_online) {
  if (auto it = bindings_.find(name); it != bindings_.end()) {
    RelayBinding& binding = it->second;
    if (binding.owner == owner) {
      binding.route_to_node = std::move(route_to_node);
      binding.last_seen = now;
      binding.registered_at = now;
      return RegisterOutcome::replaced;
    }
    const bool unseen_too_long = !holder_online && now > binding.last_seen + limits_.keep_unseen;
    if (!unseen_too_long) return RegisterOutcome::refused;
    if (names_of(owner) >= limits_.names_per_owner) return RegisterOutcome::owner_limit;
    if (--per_owner_[binding.owner] == 0) per_owner_.erase(binding.owner);
    ++per_owner_[owner];
    binding = RelayBinding{.owner = owner, .route_to_node = std::move(route_to_node), .last_seen = now,
                           .registered_at = now};
    return RegisterOutcome::created;
  }
  if (names_of(owner) >= limits_.names_per_owner) return RegisterOutcome::owner_limit;
  if (bindings_.size() >= kMaxNames) return RegisterOutcome::table_full;
  bindings_.emplace(name, RelayBinding{.owner = owner, .route_to_node = std::move(route_to_node), .last_seen = now,
                                       .registered_at = now});
  ++per_owner_[owner];
  return RegisterOutcome::created;
}

void RelayTable::restore(const std::string& name, const std::string& owner, std::uint64_t last_seen) {
  if (bindings_.contains(name) || bindings_.size() >= kMaxNames) return;
  bindings_.emplace(name, RelayBinding{.owner = owner, .route_to_node = {}, .last_seen = last_seen});
  ++per_owner_[owner];
}

void RelayTable::erase(std::unordered_map<std::string, RelayBinding>::iterator it) {
  if (auto count = per_owner_.find(it->second.owner); count != per_owner_.end() && --count->second == 0) {
    per_owner_.erase(count);
  }
  bindings_.erase(it);
}

bool RelayTable::release(const std::string& name) {
  auto it = bindings_.find(name);
  if (it == bindings_.end()) return false;
  erase(it);
  return true;
}

std::vector<std::string> RelayTable::drop_owner(const std::string& owner) {
  std::vector<std::string> dropped;
  for (const auto& [name, binding] : bindings_) {
    if (binding.owner == owner) dropped.push_back(name);
  }
  for (const auto& name : dropped) release(name);
  return dropped;
}

void RelayTable::touch(const std::string& name, std::uint64_t now) {
  if (auto it = bindings_.find(name); it != bindings_.end()) it->second.last_seen = now;
}

void RelayTable::count_bytes(const std::string& name, std::uint64_t to_owner, std::uint64_t from_owner) {
  if (auto it = bindings_.find(name); it != bindings_.end()) {
    it->second.bytes_to_owner += to_owner;
    it->second.bytes_from_owner += from_owner;
  }
}

const RelayBinding* RelayTable::find(const std::string& name) const {
  auto it = bindings_.find(name);
  return it == bindings_.end() ? nullptr : &it->second;
}

std::size_t RelayTable::names_of(const std::string& owner) const {
  auto it = per_owner_.find(owner);
  return it == per_owner_.end() ? 0 : it->second;
}

}  // namespace portico::relay
