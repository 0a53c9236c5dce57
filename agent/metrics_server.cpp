#include "metrics_server.hpp"

#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "metrics/http_scrape.hpp"

namespace portico::agent {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Reads one request (bounded) and writes its answer.
asio::awaitable<void> scrape_exchange(asio::ip::tcp::socket& socket, const std::function<std::string()>& render) {
  std::string received;
  char chunk[1024];
  auto request = metrics::ScrapeRequest::incomplete;
  while (request == metrics::ScrapeRequest::incomplete) {
    const std::size_t room = std::min(sizeof chunk, metrics::kMaxRequestBytes - received.size());
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk, room), kUseTuple);
    if (ec) co_return;  // the client left before asking anything
    received.append(chunk, n);
    request = metrics::classify_request(received);
  }
  const std::string response =
      metrics::http_response(request, request == metrics::ScrapeRequest::metrics ? render() : std::string());
  co_await asio::async_write(socket, asio::buffer(response), kUseTuple);
  asio::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> answer(asio::ip::tcp::socket socket, std::function<std::string()> render,
                             std::shared_ptr<int> active) {
  asio::steady_timer deadline(socket.get_executor(), kScrapeDeadline);
  co_await (scrape_exchange(socket, render) || deadline.async_wait(kUseTuple));
  asio::error_code ignored;
  socket.close(ignored);
  --*active;
}

}  // namespace

asio::awaitable<void> serve_metrics(asio::ip::tcp::acceptor& acceptor, std::function<std::string()> render) {
  auto active = std::make_shared<int>(0);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("metrics: accept failed: {}; pausing 1 s", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::seconds(1));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (*active >= kMaxScrapeConnections) {
      spdlog::debug("metrics: {} scrapes already in progress; closed a new connection", *active);
      continue;  // `socket` closes as it goes out of scope
    }
    ++*active;
    asio::co_spawn(acceptor.get_executor(), answer(std::move(socket), render, active), asio::detached);
  }
}

}  // namespace portico::agent
