#pragma once
// StreamSet: the open streams of one inlet or outlet. It registers each stream's worker, logs how each one ends
// (a clean close at debug level, anything else as a warning with its reason: no stream ends unlogged), forgets
// it then, and can reset them all (shutdown, a lost hub link).
//
// Thread safety: none; one io_context thread.

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "portal/portal_stream.hpp"

namespace portico::portal {

class StreamSet {
 public:
  StreamSet() = default;
  StreamSet(const StreamSet&) = delete;
  StreamSet& operator=(const StreamSet&) = delete;

  // Runs once the stream has closed and been forgotten, with why (empty after a clean close).
  using OnGone = std::function<void(const std::string& reason)>;
  void add(const std::shared_ptr<PortalStream>& stream, OnGone on_gone = {});
  // Called each time a stream's end leaves the set empty (a drain waits for it).
  void on_emptied(std::function<void()> observer) { on_emptied_ = std::move(observer); }
  // Resets every open stream; `tell_peer` is false when the path to the peers is known to be gone.
  void reset_all(const std::string& reason, bool tell_peer);
  // Resets the open streams whose messages go first to `first_hop` (a channel that closed): their peer is
  // unreachable that way, so nobody is told.
  void reset_via(const Address& first_hop, const std::string& reason);
  std::size_t size() const { return streams_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<PortalStream>> streams_;  // by worker address
  std::function<void()> on_emptied_;
};

}  // namespace portico::portal
