#pragma once
// Two small workers every node and test uses:
//   EchoWorker - answers each message with its payload, along the message's return route.
//   Inbox      - keeps what arrives for a coroutine to take (bounded: a full inbox drops, with a log line).

#include <chrono>
#include <cstddef>
#include <optional>

#include <asio/experimental/channel.hpp>

#include "routing/router.hpp"

namespace portico {

class EchoWorker final : public Worker {
 public:
  EchoWorker(Router& router, Address address) : router_(router), address_(std::move(address)) {}
  asio::awaitable<void> handle_message(Message message) override;

 private:
  Router& router_;
  Address address_;
};

class Inbox final : public Worker {
 public:
  Inbox(asio::any_io_executor executor, std::size_t capacity) : messages_(executor, capacity) {}
  asio::awaitable<void> handle_message(Message message) override;
  // The next message, or nothing after `timeout`.
  asio::awaitable<std::optional<Message>> receive(std::chrono::milliseconds timeout);

 private:
  asio::experimental::channel<void(asio::error_code, Message)> messages_;
};

}  // namespace portico
