#include "metrics_server.hpp"

#include <algorithm>
#include <list>
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
#include "util/log_limit.hpp"

namespace portico::agent {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// The connections being answered; the ones still waiting for their request can be pushed out by a newcomer.
struct Scrape {
  asio::ip::tcp::socket* socket = nullptr;
  bool asked = false;  // its request has arrived: it is answered now, not pushed out
};
using Scrapes = std::list<Scrape>;

// Reads one request (bounded) and writes its answer.
asio::awaitable<void> scrape_exchange(asio::ip::tcp::socket& socket, const std::function<std::string()>& render,
                                      Scrape& me) {
  std::string received;
  char chunk[1024];
  auto request = metrics::ScrapeRequest::incomplete;
  asio::steady_timer request_deadline(socket.get_executor(), kRequestDeadline);
  while (request == metrics::ScrapeRequest::incomplete) {
    const std::size_t room = std::min(sizeof chunk, metrics::kMaxRequestBytes - received.size());
    auto read = co_await (socket.async_read_some(asio::buffer(chunk, room), kUseTuple) ||
                          request_deadline.async_wait(kUseTuple));
    if (read.index() == 1) co_return;  // no request within kRequestDeadline: an idle connection goes
    auto [ec, n] = std::get<0>(read);
    if (ec) co_return;  // the client left before asking anything (or was pushed out)
    received.append(chunk, n);
    request = metrics::classify_request(received);
  }
  me.asked = true;
  const std::string response =
      metrics::http_response(request, request == metrics::ScrapeRequest::metrics ? render() : std::string());
  co_await asio::async_write(socket, asio::buffer(response), kUseTuple);
  asio::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> answer(asio::ip::tcp::socket socket, std::function<std::string()> render,
                             std::shared_ptr<Scrapes> scrapes) {
  auto me = scrapes->insert(scrapes->end(), Scrape{&socket, false});
  asio::steady_timer deadline(socket.get_executor(), kScrapeDeadline);
  co_await (scrape_exchange(socket, render, *me) || deadline.async_wait(kUseTuple));
  asio::error_code ignored;
  socket.close(ignored);
  scrapes->erase(me);
}

}  // namespace

asio::awaitable<void> serve_metrics(asio::ip::tcp::acceptor& acceptor, std::function<std::string()> render) {
  auto scrapes = std::make_shared<Scrapes>();
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      if (auto gate = util::log_gate("metrics-accept", ec.message())) {
        spdlog::warn("metrics: accept failed: {}; pausing 1 s{}", ec.message(), gate.suffix());
      }
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::seconds(1));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (scrapes->size() >= static_cast<std::size_t>(kMaxScrapeConnections)) {
      // Full: the oldest connection that has not asked anything yet makes room (idle connections cannot keep
      // a scraper out); when every one is being answered, the newcomer is closed.
      auto idle = std::find_if(scrapes->begin(), scrapes->end(), [](const Scrape& s) { return !s.asked; });
      if (idle == scrapes->end()) {
        if (auto gate = util::log_gate("metrics-full", "all")) {
          spdlog::warn("metrics: {} scrapes already being answered; closed a new connection{}", scrapes->size(),
                       gate.suffix());
        }
        continue;  // `socket` closes as it goes out of scope
      }
      if (auto gate = util::log_gate("metrics-idle", "all")) {
        spdlog::warn("metrics: {} connections open; closed the oldest one that has asked nothing{}", scrapes->size(),
                     gate.suffix());
      }
      asio::error_code ignored;
      idle->socket->close(ignored);
      idle->asked = true;  // closing: not a candidate again
    }
    asio::co_spawn(acceptor.get_executor(), answer(std::move(socket), render, scrapes), asio::detached);
  }
}

}  // namespace portico::agent
