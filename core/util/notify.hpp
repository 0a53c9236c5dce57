#pragma once
// Notify: wakes one coroutine waiting for "something changed" (credit arrived, data queued). A notify() with no
// waiter is remembered, so a wake-up between check and wait is never lost.
//
// Thread safety: none; one io_context thread.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

namespace portico {

class Notify {
 public:
  explicit Notify(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  // Out of line: a coroutine defined in a header gets a frame type per file, which link-time optimisation
  // reports as two definitions.
  asio::awaitable<void> wait();
  void notify() {
    pending_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace portico
