#include "transport/send_queue.hpp"

#include <iterator>

namespace portico {

SendQueue::Push SendQueue::push(Message message) {
  if (closed_) return Push::closed;
  const std::size_t n = cost(message);
  if (bytes_ + n > max_bytes_) return Push::full;
  bytes_ += n;
  const std::uint64_t pushed = pushes_++;
  const bool control = in_control_lane(message);
  auto at = messages_.end();
  if (control) {
    while (at != messages_.begin()) {
      const Entry& before = *std::prev(at);
      if (before.control || pushed - before.pushed > kMaxOvertaken) break;
      --at;
    }
  }
  messages_.insert(at, Entry{std::move(message), pushed, control});
  return Push::queued;
}

Message SendQueue::pop() {
  Message message = std::move(messages_.front().message);
  messages_.pop_front();
  bytes_ -= cost(message);
  return message;
}

std::size_t SendQueue::close() {
  closed_ = true;
  const std::size_t dropped = messages_.size();
  std::deque<Entry>().swap(messages_);  // gives the memory back now, not when the link goes
  bytes_ = 0;
  return dropped;
}

}  // namespace portico
