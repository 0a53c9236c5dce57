#include "transport/byte_stream.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "transport/endpoint.hpp"

namespace portico {
namespace {
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<std::pair<std::error_code, std::size_t>> ByteStream::read_some(std::span<std::uint8_t> into) {
  for (;;) {
    std::error_code ec = co_await wait_readable();
    if (ec) co_return std::pair{ec, std::size_t{0}};
    const std::size_t n = read_available(into, ec);
    if (ec != asio::error::would_block && ec != asio::error::try_again) co_return std::pair{ec, n};
  }
}

TcpByteStream::TcpByteStream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // read_available() after wait_readable() must never block the thread
}

asio::awaitable<std::error_code> TcpByteStream::wait_readable() {
  auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kUseTuple);
  co_return ec;
}

void TcpByteStream::on_readable(std::function<void(std::error_code)> handler) {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [handler = std::move(handler)](const asio::error_code& ec) { handler(ec); });
}

std::size_t TcpByteStream::read_available(std::span<std::uint8_t> into, std::error_code& ec) {
  asio::error_code error;
  const std::size_t n = socket_.read_some(asio::buffer(into.data(), into.size()), error);
  ec = error;
  return n;
}

asio::awaitable<std::error_code> TcpByteStream::write_all(std::span<const asio::const_buffer> buffers) {
  auto [ec, n] = co_await asio::async_write(socket_, buffers, kUseTuple);
  co_return ec;
}

void TcpByteStream::shutdown_send() {
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

void TcpByteStream::close() {
  asio::error_code ignored;
  socket_.close(ignored);
}

std::string TcpByteStream::peer() const {
  asio::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return HostPort{remote.address().to_string(), remote.port()}.to_string();
}

}  // namespace portico
