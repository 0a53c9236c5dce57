#pragma once
// Recorder: a worker that keeps every message it is handed, for tests to look at.

#include <vector>

#include "routing/router.hpp"

namespace portico::test {

class Recorder final : public Worker {
 public:
  asio::awaitable<void> handle_message(Message message) override {
    seen.push_back(std::move(message));
    co_return;
  }
  std::vector<Message> seen;
};

}  // namespace portico::test
