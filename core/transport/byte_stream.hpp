#pragma once
// ByteStream: the connection a TcpLink or a PortalStream carries, so the same code runs over a real TCP socket
// (TcpByteStream) and over an in-memory pair that tests can freeze (transport/memory_stream.hpp). Servers take
// streams; they do not listen.
//
// Reading is in two steps, so that an idle connection holds no buffer: wait_readable() until there is something
// (or end of file, or an error), then read_available() what is there into a buffer taken only then.
//
// Thread safety: none; one io_context thread.

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>

namespace portico {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual asio::any_io_executor executor() = 0;
  // Until read_available() would return something, end of file or an error (all of which it then returns).
  virtual asio::awaitable<std::error_code> wait_readable() = 0;
  // The same as a callback, called once (never from inside this call): an idle connection waiting this way
  // holds no coroutine frame, only the wait itself.
  virtual void on_readable(std::function<void(std::error_code)> handler) = 0;
  // What can be read now, up to into.size(): n > 0 bytes, or 0 with `ec` set: would_block (nothing yet), eof,
  // or the error that ended the stream.
  virtual std::size_t read_available(std::span<std::uint8_t> into, std::error_code& ec) = 0;
  // Waits for at least one byte (or end of file, or an error) and reads what is there.
  asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<std::uint8_t> into);
  // Writes all of `buffers`, in order (the call completes when the stream has taken them).
  virtual asio::awaitable<std::error_code> write_all(std::span<const asio::const_buffer> buffers) = 0;
  // No more writes: the peer reads end of file once it has read everything written before.
  virtual void shutdown_send() = 0;
  // Ends the stream both ways now; pending waits complete with an error.
  virtual void close() = 0;
  // Ends it because something failed (a portal stream reset): where the stream can say so, the other end sees an
  // error rather than a clean end of file (an in-memory stream: MemoryStream::reset). A socket closes as close().
  virtual void abort() { close(); }
  // Who is at the other end, for log lines.
  virtual std::string peer() const = 0;
};

// A connected TCP socket as a ByteStream (Nagle off: interactive traffic must not wait).
class TcpByteStream final : public ByteStream {
 public:
  explicit TcpByteStream(asio::ip::tcp::socket socket);
  asio::any_io_executor executor() override { return socket_.get_executor(); }
  asio::awaitable<std::error_code> wait_readable() override;
  void on_readable(std::function<void(std::error_code)> handler) override;
  std::size_t read_available(std::span<std::uint8_t> into, std::error_code& ec) override;
  asio::awaitable<std::error_code> write_all(std::span<const asio::const_buffer> buffers) override;
  void shutdown_send() override;
  void close() override;
  std::string peer() const override;

 private:
  asio::ip::tcp::socket socket_;
};

}  // namespace portico
