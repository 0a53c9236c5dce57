#include "transport/send_queue.hpp"

namespace portico {

SendQueue::Push SendQueue::push(Message message) {
  if (closed_) return Push::closed;
  const std::size_t n = cost(message);
  if (bytes_ + n > max_bytes_) return Push::full;
  bytes_ += n;
  messages_.push_back(std::move(message));
  return Push::queued;
}

Message SendQueue::pop() {
  Message message = std::move(messages_.front());
  messages_.pop_front();
  bytes_ -= cost(message);
  return message;
}

std::size_t SendQueue::close() {
  closed_ = true;
  const std::size_t dropped = messages_.size();
  std::deque<Message>().swap(messages_);  // gives the memory back now, not when the link goes
  bytes_ = 0;
  return dropped;
}

}  // namespace portico
