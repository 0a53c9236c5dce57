#pragma once
// One outgoing TCP connection: resolve, connect to the first address that answers, give up after `timeout`.
// And one listening socket (listen_tcp), for the agent's and the library's inlets and hubs alike, and one bound UDP
// socket (bind_udp), for the hub's rendezvous.

#include <chrono>
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

}  // namespace portico
