#pragma once
// SendQueue: what a link has taken for its peer and not yet written, as a plain class (no I/O, no clock).
//
// It never makes a producer wait: push() takes a message or refuses it at once, so a reader delivering into the
// router never waits on a queue that another peer drains. It is bounded in bytes. Portal data is bounded
// upstream by credit (a stream never has more in flight than its window), so a queue that grows past its bound
// belongs to a peer that is not reading: the link calls it a slow consumer and closes it (TcpLink).
// Messages leave in the order they came (records under one channel key keep their nonce order), except that a
// control-lane message (Message::control_lane: credit, pings, resets) passes the data queued behind the last
// control message, as long as that data came at most kMaxOvertaken pushes before it. So a credit never waits
// behind a window of someone's bulk, and no record leaves this queue more than kMaxOvertaken places late.
// Across the two queues of a path (node, hub) lateness does not simply add: a control message that stayed
// behind a record at the node may pass it at the hub, carrying the nonce of everything it passed at the node,
// so a record can end up 3 x kMaxOvertaken behind the highest nonce seen (kMaxOvertaken of controls, then
// kMaxOvertaken - 1 of data, then the control that passes it at the hub); kWorstLatenessOnAPath must stay
// inside a channel's replay window (channel/transport_cipher.hpp), so reordering never costs a record
// (tests/unit/send_queue_test.cpp asserts it). Control messages keep their own order.
// A control-lane message larger than kMaxControlBytes goes with the data (the lane is for small messages; a
// member marking its bulk as control gains nothing).
//
// Thread safety: none; one io_context thread.

#include <cstddef>
#include <cstdint>
#include <deque>

#include "routing/message.hpp"

namespace portico {

class SendQueue {
 public:
  // What a queued message counts for beyond its payload (routes, frame header, bookkeeping).
  static constexpr std::size_t kPerMessageBytes = 128;
  // How many places a control-lane message may move ahead, and how large it may be.
  static constexpr std::uint64_t kMaxOvertaken = 16;
  // The worst lateness over a node's queue and the hub's (see above), in records.
  static constexpr std::uint64_t kWorstLatenessOnAPath = 3 * kMaxOvertaken;
  static constexpr std::size_t kMaxControlBytes = 1024;

  enum class Push { queued, full, closed };

  explicit SendQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  Push push(Message message);
  bool empty() const { return messages_.empty(); }
  // The next message to write; the queue must not be empty.
  Message pop();

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return messages_.size(); }
  std::size_t max_bytes() const { return max_bytes_; }
  bool closed() const { return closed_; }

  // Drops everything queued (returns how many messages) and refuses every push from now on.
  std::size_t close();

  static std::size_t cost(const Message& message) { return message.payload.size() + kPerMessageBytes; }
  static bool in_control_lane(const Message& message) {
    return message.control_lane && message.payload.size() <= kMaxControlBytes;
  }

 private:
  struct Entry {
    Message message;
    std::uint64_t pushed;  // this queue's push count when it came
    bool control;
  };
  std::deque<Entry> messages_;
  std::uint64_t pushes_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
};

}  // namespace portico
