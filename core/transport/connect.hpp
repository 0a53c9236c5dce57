#pragma once
// One outgoing TCP connection: resolve, connect to the first address that answers, give up after `timeout`.
// And one listening socket (listen_tcp), for the agent's and the library's inlets and hubs alike, and one bound UDP
// socket (bind_udp), for the hub's rendezvous, and a datagram reader that never spins on errors (receive_datagram).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include "transport/endpoint.hpp"

namespace portico {

asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(HostPort target, std::chrono::milliseconds timeout);
asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(const std::string& host_port,
                                                           std::chrono::milliseconds timeout);

// A socket listening on `at` (its first resolved address, SO_REUSEADDR), or why not (unknown host, in use, ...).
Result<asio::ip::tcp::acceptor> listen_tcp(asio::io_context& io, const HostPort& at);
// A UDP socket bound to `at` (its first resolved address), or why not.
Result<asio::ip::udp::socket> bind_udp(asio::io_context& io, const HostPort& at);
// The next datagram on `socket` into `into` (its size; `from` says whose), or nothing once the socket is closed.
// Any other receive error (an ICMP error reported on the socket, say) pauses 10 ms and receives again: a reader
// loop never spins on one.
asio::awaitable<std::optional<std::size_t>> receive_datagram(asio::ip::udp::socket& socket,
                                                            std::span<std::uint8_t> into,
                                                            asio::ip::udp::endpoint& from);

}  // namespace portico
