#include "transport/memory_stream.hpp"

#include <algorithm>
#include <cstring>

#include <asio/error.hpp>
#include <asio/post.hpp>

namespace portico {
namespace {

// Hands the pipe's reader callback (MemoryStream::on_readable) its answer once there is one.
void wake_reader(MemoryPipe& pipe, const asio::any_io_executor& executor) {
  pipe.readable.notify();
  if (!pipe.read_waiter) return;
  std::error_code ec;
  if (pipe.closed) {
    ec = asio::error::connection_reset;
  } else if (pipe.frozen || (pipe.held() == 0 && !pipe.eof)) {
    return;  // nothing to say yet
  }
  asio::post(executor, [handler = std::move(pipe.read_waiter), ec]() { handler(ec); });
  pipe.read_waiter = nullptr;
}

}  // namespace

MemoryStream::MemoryStream(asio::any_io_executor executor, std::shared_ptr<MemoryPipe> in,
                           std::shared_ptr<MemoryPipe> out, std::string name)
    : executor_(std::move(executor)), in_(std::move(in)), out_(std::move(out)), name_(std::move(name)) {}

asio::awaitable<std::error_code> MemoryStream::wait_readable() {
  for (;;) {
    if (in_->closed) co_return asio::error::connection_reset;
    if (!in_->frozen && (in_->held() > 0 || in_->eof)) co_return std::error_code{};
    co_await in_->readable.wait();
  }
}

void MemoryStream::on_readable(std::function<void(std::error_code)> handler) {
  in_->read_waiter = std::move(handler);
  wake_reader(*in_, executor_);
}

std::size_t MemoryStream::read_available(std::span<std::uint8_t> into, std::error_code& ec) {
  ec = {};
  if (in_->closed) {
    ec = asio::error::connection_reset;
    return 0;
  }
  if (in_->frozen || in_->held() == 0) {
    ec = in_->eof && !in_->frozen ? std::error_code(asio::error::eof) : std::error_code(asio::error::would_block);
    return 0;
  }
  const std::size_t n = std::min(into.size(), in_->held());
  std::memcpy(into.data(), in_->data.data() + in_->begin, n);
  in_->begin += n;
  if (in_->begin == in_->data.size()) in_->data.clear(), in_->begin = 0;
  received_ += n;
  in_->writable.notify();
  return n;
}

asio::awaitable<std::error_code> MemoryStream::write_all(std::span<const asio::const_buffer> buffers) {
  for (const asio::const_buffer& buffer : buffers) {
    const auto* bytes = static_cast<const std::uint8_t*>(buffer.data());
    std::size_t left = buffer.size();
    while (left > 0) {
      if (out_->closed) co_return asio::error::broken_pipe;
      if (out_->eof) co_return asio::error::shut_down;
      const std::size_t room = out_->capacity - std::min(out_->capacity, out_->held());
      if (room == 0) {
        co_await out_->writable.wait();
        continue;
      }
      if (out_->begin > 0 && out_->begin >= out_->data.size() / 2) {  // compact the consumed front
        out_->data.erase(out_->data.begin(), out_->data.begin() + static_cast<std::ptrdiff_t>(out_->begin));
        out_->begin = 0;
      }
      const std::size_t n = std::min(room, left);
      out_->data.insert(out_->data.end(), bytes, bytes + n);
      bytes += n;
      left -= n;
      wake_reader(*out_, executor_);
    }
  }
  co_return std::error_code{};
}

void MemoryStream::shutdown_send() {
  out_->eof = true;
  wake_reader(*out_, executor_);
}

void MemoryStream::reset() {
  closed_ = true;
  for (const auto& pipe : {in_, out_}) {
    if (!pipe || pipe->closed) continue;
    pipe->closed = true;
    wake_reader(*pipe, executor_);
    pipe->writable.notify();
  }
}

void MemoryStream::close() {
  if (closed_) return;
  if (in_->held() > 0 || in_->closed || out_->closed) {
    reset();
    return;
  }
  closed_ = true;
  out_->eof = true;
  wake_reader(*out_, executor_);
  in_->closed = true;
  in_->writable.notify();
  wake_reader(*in_, executor_);  // this end's own pending waits end with an error
}

void MemoryStream::freeze_receiving(bool frozen) {
  in_->frozen = frozen;
  wake_reader(*in_, executor_);
}

std::pair<std::unique_ptr<MemoryStream>, std::unique_ptr<MemoryStream>> make_memory_pair(
    asio::any_io_executor executor, std::size_t capacity) {
  auto a_to_b = std::make_shared<MemoryPipe>(executor, capacity);
  auto b_to_a = std::make_shared<MemoryPipe>(executor, capacity);
  return {std::make_unique<MemoryStream>(executor, b_to_a, a_to_b, "memory peer b"),
          std::make_unique<MemoryStream>(executor, a_to_b, b_to_a, "memory peer a")};
}

}  // namespace portico
