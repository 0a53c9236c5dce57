#include "wire/buffer_pool.hpp"

#include <vector>

namespace portico::wire {
namespace {
std::vector<Bytes>& pool() {
  thread_local std::vector<Bytes> buffers;
  return buffers;
}

// A pooled buffer with room for `capacity` bytes (rounded to a size class), as it was given back; else a new one.
Bytes from_pool(std::size_t capacity) {
  // Whole size classes, so that a chunk read from a socket, the record sealing it and the frame carrying that
  // record (each a little larger than the last) all fit the same pooled buffers.
  capacity = (capacity + kMinPooledBytes - 1) / kMinPooledBytes * kMinPooledBytes;
  auto& buffers = pool();
  for (std::size_t i = buffers.size(); i-- > 0;) {
    if (buffers[i].capacity() >= capacity) {
      Bytes buffer = std::move(buffers[i]);
      buffers[i] = std::move(buffers.back());
      buffers.pop_back();
      return buffer;
    }
  }
  Bytes buffer;
  buffer.reserve(capacity);
  return buffer;
}
}  // namespace

Bytes take_buffer(std::size_t capacity) {
  if (capacity < kMinPooledBytes) {  // small messages keep small allocations
    Bytes buffer;
    buffer.reserve(capacity);
    return buffer;
  }
  Bytes buffer = from_pool(capacity);
  buffer.clear();
  return buffer;
}

Bytes take_sized_buffer(std::size_t size, std::size_t capacity) {
  Bytes buffer;
  if (capacity >= kMinPooledBytes) {
    buffer = from_pool(capacity);
  } else {
    buffer.reserve(capacity);
  }
  buffer.resize(size);
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
