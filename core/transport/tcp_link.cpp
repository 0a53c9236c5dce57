#include "transport/tcp_link.hpp"

#include <variant>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "wire/frame.hpp"
#include "wire/message_codec.hpp"

namespace portico {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
// Small messages queued together go out in one write of up to this many bytes.
constexpr std::size_t kWriteBatchBytes = 64 * 1024;

Liveness::Clock::time_point now() { return Liveness::Clock::now(); }

// Every message read from a link carries the same origin: "straight from a transport", no peer vouched for.
const std::shared_ptr<const MessageOrigin>& transport_origin() {
  static const auto origin = std::make_shared<const MessageOrigin>();
  return origin;
}

}  // namespace

TcpLink::TcpLink(asio::any_io_executor executor, Router& router, Address address, std::string peer,
                 TcpOptions options)
    : router_(router),
      address_(std::move(address)),
      peer_(std::move(peer)),
      options_(options),
      queue_(executor, options.send_queue_messages),
      pause_timer_(executor) {}

asio::awaitable<void> TcpLink::handle_message(Message message) {
  message.onward.erase(message.onward.begin());
  const Route onward = message.onward;  // kept for the log line should the link refuse it
  if (auto ec = co_await enqueue(std::move(message))) {
    spdlog::warn("dropped message for {} on link {} to {}: {}", to_string(onward), address_.value, peer_,
                 ec.message());
  }
}

asio::awaitable<std::error_code> TcpLink::enqueue(Message message) {
  if (closed_) co_return routing::Error::link_closed;
  auto [ec] = co_await queue_.async_send(asio::error_code{}, std::move(message), kUseTuple);
  if (ec) co_return routing::Error::link_closed;
  co_return std::error_code{};
}

asio::awaitable<std::error_code> TcpLink::run_session(asio::ip::tcp::socket socket) {
  if (closed_) co_return routing::Error::link_closed;
  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // interactive traffic must not wait for Nagle
  Liveness liveness(options_.heartbeat_interval, options_.dead_after, now());
  set_up(&socket);
  auto ended = co_await (read_loop(socket, liveness) || write_loop(socket, liveness) || watchdog(liveness));
  set_up(nullptr);
  socket.close(ignored);
  co_return std::visit([](std::error_code ec) { return ec; }, ended);
}

asio::awaitable<std::error_code> TcpLink::read_loop(asio::ip::tcp::socket& socket, Liveness& liveness) {
  wire::FrameDecoder decoder;
  for (;;) {
    const auto room = decoder.prepare();
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(room.data(), room.size()), kUseTuple);
    if (ec) co_return ec;
    decoder.commit(n);
    liveness.on_received(now());
    for (;;) {
      auto frame = decoder.next();
      if (!frame) co_return frame.error();
      if (!*frame) break;
      auto message = wire::decode_message(**frame);
      if (!message) co_return message.error();
      if (wire::is_heartbeat(*message)) continue;
      message->return_route.insert(message->return_route.begin(), address_);
      message->origin = transport_origin();
      liveness.pause();
      co_await router_.send(std::move(*message));
      liveness.resume(now());
    }
  }
}

asio::awaitable<std::error_code> TcpLink::write_loop(asio::ip::tcp::socket& socket, Liveness& liveness) {
  Bytes out = wire::preamble();
  auto append = [&](Message& message) {
    if (auto ec = wire::append_frame(message, out)) {
      spdlog::warn("dropped message for {} on link to {}: {}", to_string(message.onward), peer_, ec.message());
    }
  };
  for (;;) {
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out), kUseTuple);
      if (ec) co_return ec;
      liveness.on_sent(now());
      out.clear();
    }
    auto [ec, message] = co_await queue_.async_receive(kUseTuple);
    if (ec) co_return ec;
    append(message);
    while (out.size() < kWriteBatchBytes &&
           queue_.try_receive([&](asio::error_code, Message next) { append(next); })) {
    }
  }
}

asio::awaitable<std::error_code> TcpLink::watchdog(Liveness& liveness) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_at(liveness.next_deadline());
    auto [ec] = co_await timer.async_wait(kUseTuple);
    if (ec) co_return ec;
    const auto t = now();
    if (liveness.peer_dead(t)) co_return asio::error::timed_out;
    if (liveness.heartbeat_due(t)) {
      // A full queue means data is about to flow, which proves us alive just as well.
      (void)queue_.try_send(asio::error_code{}, Message{});
      liveness.on_sent(t);
    }
  }
}

asio::awaitable<void> TcpLink::pause_for(std::chrono::milliseconds delay) {
  if (closed_) co_return;
  pause_timer_.expires_after(delay);
  co_await pause_timer_.async_wait(kUseTuple);
}

void TcpLink::close() {
  if (closed_) return;
  closed_ = true;
  queue_.close();
  pause_timer_.cancel();
  if (socket_ != nullptr) {
    asio::error_code ignored;
    socket_->close(ignored);
  }
}

void TcpLink::set_up(asio::ip::tcp::socket* socket) {
  socket_ = socket;
  for (const auto& observer : observers_) observer(socket != nullptr);
}

}  // namespace portico
