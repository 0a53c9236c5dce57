#pragma once
// Recycled byte buffers for the bulk path: a portal chunk is read into a buffer taken here, travels as a
// message payload, and its buffer comes back once the chunk is written out, so steady-state traffic does not go
// to the heap for every chunk. Only chunk-sized buffers are kept, and at most kMaxPooled of them per thread.
//
// Thread safety: one pool per thread (thread_local); a buffer may be given back on any thread.

#include <cstddef>

#include "wire/bytes.hpp"

namespace portico::wire {

inline constexpr std::size_t kMinPooledBytes = 16 * 1024;
inline constexpr std::size_t kMaxPooledBytes = 512 * 1024;
inline constexpr std::size_t kMaxPooled = 64;
// Room a chunk's buffer keeps behind its bytes for what the channels append in place: the routes behind a
// record's payload (wire/message_codec.hpp) and a hop header (channel/hop_record.hpp). Routes that need more
// make the buffer grow once (a copy), which typical routes (a few short hops) never do.
inline constexpr std::size_t kTrailerRoomBytes = 512;

// An empty buffer with room for at least `capacity` bytes (from the pool when that is chunk-sized).
Bytes take_buffer(std::size_t capacity);
// A buffer of `size` bytes whose contents are unspecified (what its last user left, zeros where it had none),
// with room for `capacity` (>= size): a socket read's destination. A pooled buffer keeps the size it was given
// back with, so taking it again for a read costs no zero-filling (vector::resize only fills what it adds).
// Its bytes past what the reader fills are stale data of this process: never send more than was read.
Bytes take_sized_buffer(std::size_t size, std::size_t capacity);
// Keeps `buffer`'s memory for a later take_buffer() when it is chunk-sized and the pool has room; else frees it.
void give_buffer(Bytes&& buffer);
// Buffers held by this thread's pool (for tests).
std::size_t pooled_buffers();

}  // namespace portico::wire
