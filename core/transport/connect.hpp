#pragma once
// One outgoing TCP connection: resolve, connect to the first address that answers, give up after `timeout`.

#include <chrono>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "transport/endpoint.hpp"

namespace portico {

asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(HostPort target, std::chrono::milliseconds timeout);
asio::awaitable<Result<asio::ip::tcp::socket>> connect_tcp(const std::string& host_port,
                                                           std::chrono::milliseconds timeout);

}  // namespace portico
