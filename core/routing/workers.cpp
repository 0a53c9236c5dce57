#include "routing/workers.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace portico {

using namespace asio::experimental::awaitable_operators;

asio::awaitable<void> EchoWorker::handle_message(Message message) {
  spdlog::debug("{} got {} bytes \"{}\" from {}", address_.to_string(), message.payload.size(),
                as_chars(message.payload).substr(0, 64), to_string(message.return_route));
  co_await router_.send(make_reply(message, address_, std::move(message.payload)));
}

asio::awaitable<void> Inbox::handle_message(Message message) {
  if (!messages_.try_send(asio::error_code{}, std::move(message))) {
    spdlog::warn("inbox full: dropped a message");
  }
  co_return;
}

asio::awaitable<std::optional<Message>> Inbox::receive(std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto outcome = co_await (messages_.async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
  if (outcome.index() == 0) co_return std::move(std::get<0>(outcome));
  co_return std::nullopt;
}

}  // namespace portico
