#pragma once
// The node's worker at "membership": what the hub tells its members on its own (identity/membership_messages.hpp).
// Admission lets only the hub's own "membership" service reach it. On Revoked{identifier} it calls
// `on_revoked`, which closes this node's end-to-end channels with that identity.
//
// Thread safety: none; the node's one io_context thread.

#include <functional>
#include <string>

#include "routing/router.hpp"

namespace portico::node {

class MembershipNotices final : public Worker {
 public:
  explicit MembershipNotices(std::function<void(const std::string& identifier)> on_revoked)
      : on_revoked_(std::move(on_revoked)) {}
  asio::awaitable<void> handle_message(Message message) override;

 private:
  std::function<void(const std::string&)> on_revoked_;
};

}  // namespace portico::node
