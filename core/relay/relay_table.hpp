#pragma once
// RelayTable: the hub's map from relay name to the node that registered it, as a plain class.
//
// A name belongs to its owner (the verified identity that registered it first; over plain links, the node id it
// claims). The owner registering again replaces its binding at once — a stale registration never locks a
// returning device out; another owner is refused. A binding stays owned while its node is offline, so the
// name waits for its device rather than going to whoever asks next — for at most `keep_unseen` (default
// kDefaultKeepUnseen) after it was last seen; then the next owner to ask gets it. Names are also freed
// explicitly (release: the operator's `portico relay release NAME`; drop_owner: a revoked identity).
// One owner holds at most `names_per_owner` names (kDefaultNamesPerOwner), the table at most kMaxNames.
// Times are seconds since the epoch, given by the caller.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "routing/address.hpp"

namespace portico::relay {

inline constexpr std::size_t kDefaultNamesPerOwner = 8;
inline constexpr std::uint64_t kDefaultKeepUnseen = 90ULL * 24 * 3600;  // seconds: 90 days
inline constexpr std::size_t kMaxNames = 65536;

struct RelayLimits {
  std::size_t names_per_owner = kDefaultNamesPerOwner;
  std::uint64_t keep_unseen = kDefaultKeepUnseen;  // seconds
};

struct RelayBinding {
  std::string owner;
  Route route_to_node;     // prefix that reaches the registering node from the hub; empty: not seen since start
  std::uint64_t last_seen = 0;  // seconds since the epoch: last registration, or last time it was seen online
  std::uint64_t registered_at = 0;  // its owner's latest registration since the hub started (0: none yet)
  // Routed through the relay since the hub started (or the name changed owner): payload bytes.
  std::uint64_t bytes_to_owner = 0;
  std::uint64_t bytes_from_owner = 0;
};

enum class RegisterOutcome { created, replaced, refused, owner_limit, table_full };

class RelayTable {
 public:
  explicit RelayTable(RelayLimits limits = {}) : limits_(limits) {}

  // `online`: whether the current holder's route still leads somewhere (the caller knows its links); an offline
  // binding unseen for longer than keep_unseen goes to the new owner.
  RegisterOutcome register_relay(const std::string& name, const std::string& owner, Route route_to_node,
                                 std::uint64_t now = 0, bool holder_online = true);
  // A binding read back from storage: owned, not reachable until its owner registers again.
  void restore(const std::string& name, const std::string& owner, std::uint64_t last_seen);
  bool release(const std::string& name);
  // Frees every name `owner` holds; returns them.
  std::vector<std::string> drop_owner(const std::string& owner);
  void touch(const std::string& name, std::uint64_t now);
  // Counts bytes routed through `name` (to its owner's node, or back from it).
  void count_bytes(const std::string& name, std::uint64_t to_owner, std::uint64_t from_owner);

  const RelayBinding* find(const std::string& name) const;
  std::size_t size() const { return bindings_.size(); }
  std::size_t names_of(const std::string& owner) const;
  const std::unordered_map<std::string, RelayBinding>& bindings() const { return bindings_; }
  const RelayLimits& limits() const { return limits_; }

 private:
  void erase(std::unordered_map<std::string, RelayBinding>::iterator it);

  RelayLimits limits_;
  std::unordered_map<std::string, RelayBinding> bindings_;
  std::unordered_map<std::string, std::size_t> per_owner_;
};

}  // namespace portico::relay
