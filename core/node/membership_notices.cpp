#include "node/membership_notices.hpp"

#include <spdlog/spdlog.h>

#include "identity/membership_messages.hpp"

namespace portico::node {

asio::awaitable<void> MembershipNotices::handle_message(Message message) {
  auto notice = identity::decode_membership_notice(message.payload);
  if (!notice) {
    spdlog::warn("membership: malformed notice from the hub: {}", notice.error().message());
    co_return;
  }
  const auto& revoked = std::get<identity::Revoked>(*notice);
  spdlog::warn("the hub revoked {}: closing every channel with it", revoked.identifier);
  if (on_revoked_) on_revoked_(revoked.identifier);
}

}  // namespace portico::node
