#pragma once
// ChannelDeadLetters: the router's dead-letter worker (Router::set_dead_letters). A channel message (record,
// confirmation, credential update, control, hop record) for a channel address this node does not have — the channel closed, or the
// process restarted since the peer opened it, or, on the hub, the channel to the next node went with its
// link — is answered with a refusal along its return route, so the sender's end of the channel closes at
// quickly and its next stream opens a new one, instead of waiting out timeouts on a channel nobody is at.
// Anything else is left dropped.
//
// The answer is unauthenticated (there is no key to sign it with), so an established channel does not take
// its word: it asks its peer under the channel's keys and closes only when no answer comes (ChannelCore).
//
// Thread safety: none; one io_context thread.

#include <memory>

#include "routing/router.hpp"

namespace portico::channel {

class ChannelDeadLetters final : public Worker {
 public:
  explicit ChannelDeadLetters(Router& router) : router_(router) {}
  asio::awaitable<void> handle_message(Message message) override;
  std::uint64_t answered() const { return answered_; }

 private:
  Router& router_;
  std::uint64_t answered_ = 0;
};

}  // namespace portico::channel
