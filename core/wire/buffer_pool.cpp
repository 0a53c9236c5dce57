#include "wire/buffer_pool.hpp"

#include <vector>

namespace portico::wire {
namespace {
std::vector<Bytes>& pool() {
  thread_local std::vector<Bytes> buffers;
  return buffers;
}
}  // namespace

Bytes take_buffer(std::size_t capacity) {
  if (capacity < kMinPooledBytes) {  // small messages keep small allocations
    Bytes buffer;
    buffer.reserve(capacity);
    return buffer;
  }
  // Whole size classes, so that a chunk read from a socket, the record sealing it and the frame carrying that
  // record (each a little larger than the last) all fit the same pooled buffers.
  capacity = (capacity + kMinPooledBytes - 1) / kMinPooledBytes * kMinPooledBytes;
  auto& buffers = pool();
  for (std::size_t i = buffers.size(); i-- > 0;) {
    if (buffers[i].capacity() >= capacity) {
      Bytes buffer = std::move(buffers[i]);
      buffers[i] = std::move(buffers.back());
      buffers.pop_back();
      buffer.clear();
      return buffer;
    }
  }
  Bytes buffer;
  buffer.reserve(capacity);
  return buffer;
}

void give_buffer(Bytes&& buffer) {
  auto& buffers = pool();
  const std::size_t capacity = buffer.capacity();
  if (capacity < kMinPooledBytes || capacity > kMaxPooledBytes || buffers.size() >= kMaxPooled) {
    Bytes().swap(buffer);
    return;
  }
  buffers.push_back(std::move(buffer));
}

std::size_t pooled_buffers() { return pool().size(); }

}  // namespace portico::wire
