#include "util/notify.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace portico {

asio::awaitable<void> Notify::wait() {
  if (!pending_) {
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  pending_ = false;
}

}  // namespace portico
