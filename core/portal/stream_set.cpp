#include "portal/stream_set.hpp"

#include <spdlog/spdlog.h>

namespace portico::portal {

void StreamSet::add(const std::shared_ptr<PortalStream>& stream) {
  stream->on_closed([this](const PortalStream& closed, const std::string& reason) {
    if (reason.empty()) {
      spdlog::debug("{} closed", closed.label());
    } else {
      spdlog::warn("{} closed: {}", closed.label(), reason);
    }
    streams_.erase(closed.address().value);
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
