#pragma once
// Notify: wakes one coroutine waiting for "something changed" (credit arrived, data queued). A notify() with no
// waiter is remembered, so a wake-up between check and wait is never lost.
//
// Thread safety: none; one io_context thread.

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace portico {

class Notify {
 public:
  explicit Notify(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  asio::awaitable<void> wait() {
    if (!pending_) {
      timer_.expires_at(asio::steady_timer::time_point::max());
      co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    pending_ = false;
  }
  void notify() {
    pending_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace portico
