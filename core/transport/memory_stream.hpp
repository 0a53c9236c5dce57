#pragma once
// MemoryStream: one end of an in-memory connection (make_memory_pair), a first-class test component: the same
// TcpLink and PortalStream code runs over it as over a TCP socket. Each direction is a bounded byte pipe (like
// the kernel's socket buffers: a writer waits while it is full), and either end can stop taking what arrives
// (freeze_receiving): its reads then see nothing, as if its owner had stopped reading, so the other end's writes
// wait once the pipe is full — a frozen peer, on demand.
//
// Thread safety: none; both ends on one io_context thread.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "transport/byte_stream.hpp"
#include "util/notify.hpp"
#include "wire/bytes.hpp"

namespace portico {

// One direction: bytes written by one end, read by the other.
struct MemoryPipe {
  MemoryPipe(asio::any_io_executor executor, std::size_t bytes)
      : capacity(bytes), readable(executor), writable(executor) {}
  std::size_t held() const { return data.size() - begin; }

  Bytes data;
  std::size_t begin = 0;
  std::size_t capacity;
  bool eof = false;      // the writer shut down its sending side
  bool closed = false;   // an end closed the connection
  bool frozen = false;   // the reader takes nothing for now
  Notify readable;       // wakes the reader
  Notify writable;       // wakes the writer
  std::function<void(std::error_code)> read_waiter;  // MemoryStream::on_readable's, until it fires
};

class MemoryStream final : public ByteStream {
 public:
  MemoryStream(asio::any_io_executor executor, std::shared_ptr<MemoryPipe> in, std::shared_ptr<MemoryPipe> out,
               std::string name);
  ~MemoryStream() override { close(); }

  asio::any_io_executor executor() override { return executor_; }
  asio::awaitable<std::error_code> wait_readable() override;
  void on_readable(std::function<void(std::error_code)> handler) override;
  std::size_t read_available(std::span<std::uint8_t> into, std::error_code& ec) override;
  asio::awaitable<std::error_code> write_all(std::span<const asio::const_buffer> buffers) override;
  void shutdown_send() override;
  // As closing a TCP socket: with nothing received left unread, what this end wrote still arrives, then end of
  // file, and the other end's writes fail from now on; with unread bytes, reset().
  void close() override;
  std::string peer() const override { return name_; }

  // Ends the connection both ways at once, as a TCP reset: the other end's reads and writes fail, and what it
  // had not read yet is lost.
  void reset();
  void abort() override { reset(); }

  // While frozen this end reads nothing of what arrives (the other end's writes wait once the pipe is full).
  void freeze_receiving(bool frozen);
  std::size_t bytes_received() const { return received_; }
  // Bytes that have arrived and wait to be read (a frozen end's pile).
  std::size_t bytes_waiting() const { return in_->held(); }
  // Bytes this end wrote that the other end has not read yet.
  std::size_t bytes_not_taken() const { return out_->held(); }

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<MemoryPipe> in_;
  std::shared_ptr<MemoryPipe> out_;
  std::string name_;
  std::size_t received_ = 0;
  bool closed_ = false;
};

// Two connected ends; each direction buffers up to `capacity` bytes.
std::pair<std::unique_ptr<MemoryStream>, std::unique_ptr<MemoryStream>> make_memory_pair(
    asio::any_io_executor executor, std::size_t capacity = 256 * 1024);

}  // namespace portico
