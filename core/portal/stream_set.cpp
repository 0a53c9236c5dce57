#include "portal/stream_set.hpp"

#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::portal {

void StreamSet::add(const std::shared_ptr<PortalStream>& stream, OnGone on_gone) {
  stream->on_closed([this, on_gone = std::move(on_gone)](const PortalStream& closed, const std::string& reason) {
    if (reason.empty()) {
      spdlog::debug("{} closed", closed.label());
    } else if (auto gate = util::log_gate("stream-closed", reason.substr(0, 40))) {
      // The reason may be a peer's Reset text: clipped, and rate-limited per kind of reason.
      spdlog::warn("{} closed: {}{}", closed.label(), util::clip(reason), gate.suffix());
    }
    streams_.erase(closed.address().value);
    if (on_gone) on_gone(reason);
    if (streams_.empty() && on_emptied_) on_emptied_();
  });
  streams_.emplace(stream->address().value, stream);
  stream->register_worker();
}

void StreamSet::reset_all(const std::string& reason, bool tell_peer) {
  auto streams = streams_;  // reset() erases from streams_
  for (auto& [address, stream] : streams) stream->reset(reason, tell_peer);
}

void StreamSet::reset_via(const Address& first_hop, const std::string& reason) {
  auto streams = streams_;  // reset() erases from streams_
  for (auto& [address, stream] : streams) {
    if (!stream->peer_route().empty() && stream->peer_route().front() == first_hop) stream->reset(reason, false);
  }
}

}  // namespace portico::portal
