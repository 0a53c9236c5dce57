#pragma once
// SendQueue: what a link has taken for its peer and not yet written, as a plain class (no I/O, no clock).
//
// It never makes a producer wait: push() takes a message or refuses it at once, so a reader delivering into the
// router never waits on a queue that another peer drains. It is bounded in bytes. Portal data is bounded
// upstream by credit (a stream never has more in flight than its window), so a queue that grows past its bound
// belongs to a peer that is not reading: the link calls it a slow consumer and closes it (TcpLink).
// Messages leave in the order they came (records under one channel key must keep their nonce order).
//
// Thread safety: none; one io_context thread.

#include <cstddef>
#include <deque>

#include "routing/message.hpp"

namespace portico {

class SendQueue {
 public:
  // What a queued message counts for beyond its payload (routes, frame header, bookkeeping).
  static constexpr std::size_t kPerMessageBytes = 128;

  enum class Push { queued, full, closed };

  explicit SendQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  Push push(Message message);
  bool empty() const { return messages_.empty(); }
  // The oldest message; the queue must not be empty.
  Message pop();

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return messages_.size(); }
  std::size_t max_bytes() const { return max_bytes_; }
  bool closed() const { return closed_; }

  // Drops everything queued (returns how many messages) and refuses every push from now on.
  std::size_t close();

  static std::size_t cost(const Message& message) { return message.payload.size() + kPerMessageBytes; }

 private:
  std::deque<Message> messages_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
};

}  // namespace portico
