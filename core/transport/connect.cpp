#include "transport/connect.hpp"

#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace portico {
namespace {
using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(const std::string& host_port,
                                                           std::chrono::milliseconds timeout) {
  auto target = HostPort::parse(host_port);
  if (!target) co_return target.error();
  co_return co_await connect_tcp(*target, timeout);
}

asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(HostPort target, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer deadline(executor, timeout);
  auto attempt = [&]() -> asio::awaitable<std::error_code> {
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(target.host, std::to_string(target.port), kUseTuple);
    if (resolve_ec) co_return resolve_ec;
    auto [connect_ec, endpoint] = co_await asio::async_connect(socket, endpoints, kUseTuple);
    co_return connect_ec;
  };
  auto outcome = co_await (attempt() || deadline.async_wait(asio::use_awaitable));
  if (outcome.index() == 1) co_return asio::error::timed_out;
  if (auto ec = std::get<0>(outcome)) co_return ec;
  co_return std::move(socket);
}

Result<asio::ip::tcp::acceptor> listen_tcp(asio::io_context& io, const HostPort& at) {
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(at.host, std::to_string(at.port), ec);
  if (ec) return ec;
  if (endpoints.empty()) return std::error_code(asio::error::host_not_found);
  asio::ip::tcp::acceptor acceptor(io);
  const auto endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  return acceptor;
}

Result<asio::ip::udp::socket> bind_udp(asio::io_context& io, const HostPort& at) {
  asio::error_code ec;
  asio::ip::udp::resolver resolver(io);
  auto endpoints = resolver.resolve(at.host, std::to_string(at.port), asio::ip::udp::resolver::passive, ec);
  if (ec) return ec;
  if (endpoints.empty()) return std::error_code(asio::error::host_not_found);
  asio::ip::udp::socket socket(io);
  const auto endpoint = endpoints.begin()->endpoint();
  socket.open(endpoint.protocol(), ec);
  if (!ec) socket.bind(endpoint, ec);
  if (ec) return ec;
  return socket;
}

asio::awaitable<std::optional<std::size_t>> receive_datagram(asio::ip::udp::socket& socket,
                                                            std::span<std::uint8_t> into,
                                                            asio::ip::udp::endpoint& from) {
  while (socket.is_open()) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(into.data(), into.size()), from,
                                                      asio::experimental::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !socket.is_open()) break;
    if (!ec) co_return n;
    asio::steady_timer pause(socket.get_executor(), std::chrono::milliseconds(10));
    co_await pause.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  co_return std::nullopt;
}

}  // namespace portico
