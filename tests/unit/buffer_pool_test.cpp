// The bulk path's recycled buffers: chunk-sized buffers come back from the pool in size classes (a read buffer, the
// record sealing it and the frame carrying that share them), a read buffer is taken again without being
// zero-filled, and small or oversized buffers are never kept.
#include "wire/buffer_pool.hpp"

#include <gtest/gtest.h>

namespace portico::wire {
namespace {

// Empties this thread's pool, so each test starts from none.
void drain_pool() {
  while (pooled_buffers() > 0) (void)take_buffer(kMinPooledBytes);
}

TEST(BufferPool, AChunkBufferServesTheSlightlyLargerRecordAndFrameAfterIt) {
  drain_pool();
  Bytes read = take_buffer(1 + 64 * 1024 + kTrailerRoomBytes);
  const std::uint8_t* const memory = read.data();
  give_buffer(std::move(read));
  EXPECT_EQ(pooled_buffers(), 1U);
  // A record of that chunk: type, nonce, tag and the routes behind: a little larger, the same size class.
  Bytes record = take_buffer(1 + 8 + 64 * 1024 + 120 + 16 + kTrailerRoomBytes);
  EXPECT_EQ(record.data(), memory);
  EXPECT_TRUE(record.empty());
  EXPECT_EQ(pooled_buffers(), 0U);
}

TEST(BufferPool, AReadBufferIsTakenAgainWithoutZeroFilling) {
  drain_pool();
  Bytes first = take_sized_buffer(64 * 1024, 64 * 1024 + kTrailerRoomBytes);
  ASSERT_EQ(first.size(), 64U * 1024);
  first[100] = 0xab;  // what a read left there
  const std::uint8_t* const memory = first.data();
  give_buffer(std::move(first));
  Bytes again = take_sized_buffer(64 * 1024, 64 * 1024 + kTrailerRoomBytes);
  EXPECT_EQ(again.data(), memory);
  EXPECT_EQ(again.size(), 64U * 1024);
  EXPECT_EQ(again[100], 0xab) << "not zero-filled again: the reader overwrites what it uses";
  give_buffer(std::move(again));
  EXPECT_TRUE(take_buffer(64 * 1024).empty()) << "take_buffer still hands out an empty buffer";
}

TEST(BufferPool, KeepsOnlyChunkSizedBuffersAndAtMostItsLimit) {
  drain_pool();
  Bytes small;
  small.reserve(kMinPooledBytes - 1);
  give_buffer(std::move(small));
  Bytes huge;
  huge.reserve(kMaxPooledBytes + 1);
  give_buffer(std::move(huge));
  EXPECT_EQ(pooled_buffers(), 0U);
  for (std::size_t i = 0; i < kMaxPooled + 5; ++i) {
    Bytes chunk;
    chunk.reserve(kMinPooledBytes);
    give_buffer(std::move(chunk));
  }
  EXPECT_EQ(pooled_buffers(), kMaxPooled);
  drain_pool();
}

}  // namespace
}  // namespace portico::wire
