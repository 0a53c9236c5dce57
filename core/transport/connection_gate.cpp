#include "transport/connection_gate.hpp"

namespace portico {

std::string_view describe(ConnectionVerdict verdict) {
  switch (verdict) {
    case ConnectionVerdict::admit: return "admitted";
    case ConnectionVerdict::total: return "the node has as many connections as OCKAM_MAX_CONNECTIONS allows";
    case ConnectionVerdict::per_address:
      return "this address has as many connections as OCKAM_MAX_CONNECTIONS_PER_ADDRESS allows";
  }
  return "?";
}

ConnectionVerdict ConnectionGate::admit(const std::string& address) {
  if (total_ >= limits_.max_total) return ConnectionVerdict::total;
  std::size_t& mine = per_address_[address];
  if (mine >= limits_.max_per_address) {
    if (mine == 0) per_address_.erase(address);
    return ConnectionVerdict::per_address;
  }
  ++mine;
  ++total_;
  return ConnectionVerdict::admit;
}

void ConnectionGate::release(const std::string& address) {
  auto it = per_address_.find(address);
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
  if (total_ > 0) --total_;
}

std::size_t ConnectionGate::from(const std::string& address) const {
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace portico
