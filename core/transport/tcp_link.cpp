#include "transport/tcp_link.hpp"

#include <malloc.h>

#include <variant>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "wire/buffer_pool.hpp"
#include "wire/frame.hpp"
#include "wire/message_codec.hpp"

namespace portico {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
// One gathered write carries up to this many payload bytes, or this many messages.
constexpr std::size_t kWriteBatchBytes = 256 * 1024;
constexpr std::size_t kWriteBatchMessages = 64;
// Freeing a queue this large gives its pages back to the system at once (a slow consumer's backlog).
constexpr std::size_t kTrimAfterBytes = 1024 * 1024;
constexpr auto kRefusalLogInterval = std::chrono::seconds(1);

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
      queue_(options.max_queued_bytes),
      queued_(executor),
      pause_timer_(executor) {}

asio::awaitable<void> TcpLink::handle_message(Message message) {
  message.onward.erase(message.onward.begin());
  if (closed_) {
    log_refusal(message, routing::Error::link_closed);
    co_return;
  }
  (void)enqueue(std::move(message));  // a full queue is logged where it is found
  co_return;
}

std::error_code TcpLink::enqueue(Message message) {
  if (closed_) return routing::Error::link_closed;
  const bool was_empty = queue_.empty();
  switch (queue_.push(std::move(message))) {
    case SendQueue::Push::queued:
      if (was_empty) last_progress_ = now();
      queued_.notify();
      return {};
    case SendQueue::Push::closed: return routing::Error::link_closed;
    case SendQueue::Push::full: break;
  }
  if (stream_ != nullptr) {
    spdlog::warn("link {} to {}: the peer is not reading ({} bytes queued, the limit); closing its session",
                 address_.value, peer_, queue_.bytes());
  } else {
    spdlog::warn("link {} to {} is down and {} bytes wait for it (the limit); dropped them", address_.value, peer_,
                 queue_.bytes());
  }
  end_session(routing::Error::queue_full);
  return routing::Error::queue_full;
}

void TcpLink::log_refusal(const Message& message, std::error_code ec) {
  const auto t = now();
  if (t - last_refusal_log_ < kRefusalLogInterval) {
    ++refusals_not_logged_;
    return;
  }
  last_refusal_log_ = t;
  spdlog::warn("dropped a message for {} on link {} to {}: {}{}", to_string(message.onward).substr(0, 200),
               address_.value, peer_, ec.message(),
               refusals_not_logged_ ? fmt::format(" (and {} more since the last line)", refusals_not_logged_) : "");
  refusals_not_logged_ = 0;
}

asio::awaitable<std::error_code> TcpLink::run_session(asio::ip::tcp::socket socket) {
  co_return co_await run_session(std::make_unique<TcpByteStream>(std::move(socket)));
}

asio::awaitable<std::error_code> TcpLink::run_session(std::unique_ptr<ByteStream> stream) {
  if (closed_) co_return routing::Error::link_closed;
  Liveness liveness(options_.heartbeat_interval, options_.dead_after, now());
  session_end_ = {};
  last_progress_ = now();
  set_up(stream.get());
  auto ended = co_await (read_loop(*stream, liveness) || write_loop(*stream, liveness) || watchdog(liveness));
  set_up(nullptr);
  stream->close();
  if (session_end_) co_return session_end_;
  co_return std::visit([](std::error_code ec) { return ec; }, ended);
}

asio::awaitable<std::error_code> TcpLink::read_loop(ByteStream& stream, Liveness& liveness) {
  wire::FrameDecoder decoder;
  for (;;) {
    auto [ec, n] = co_await stream.read_some(decoder.prepare());
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
      co_await router_.send(std::move(*message));  // completes at once: no worker waits
      if (stream_ != &stream) co_return session_end_;  // what it delivered ended this session
    }
  }
}

asio::awaitable<std::error_code> TcpLink::write_loop(ByteStream& stream, Liveness& liveness) {
  {
    const Bytes preamble = wire::preamble();
    const asio::const_buffer buffer = asio::buffer(preamble);
    if (auto ec = co_await stream.write_all({&buffer, 1})) co_return ec;
  }
  std::vector<Message> batch;
  Bytes heads;
  std::vector<std::size_t> head_ends;
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    while (queue_.empty() && stream_ == &stream) co_await queued_.wait();
    if (stream_ != &stream) co_return session_end_ ? session_end_ : routing::Error::link_closed;
    for (Message& sent : batch) wire::give_buffer(std::move(sent.payload));
    batch.clear(), heads.clear(), head_ends.clear(), buffers.clear();
    std::size_t payload_bytes = 0;
    while (!queue_.empty() && batch.size() < kWriteBatchMessages && payload_bytes < kWriteBatchBytes) {
      Message message = queue_.pop();
      if (auto ec = wire::append_frame_head(message, heads)) {
        spdlog::warn("dropped a message for {} on link to {}: {}", to_string(message.onward).substr(0, 200), peer_,
                     ec.message());
        continue;
      }
      head_ends.push_back(heads.size());
      payload_bytes += message.payload.size();
      batch.push_back(std::move(message));
    }
    // Buffers point into `heads` only once it stops growing.
    std::size_t head_begin = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      buffers.emplace_back(heads.data() + head_begin, head_ends[i] - head_begin);
      if (!batch[i].payload.empty()) buffers.emplace_back(batch[i].payload.data(), batch[i].payload.size());
      head_begin = head_ends[i];
    }
    if (buffers.empty()) continue;
    writing_ = true;
    auto ec = co_await stream.write_all(buffers);
    writing_ = false;
    if (ec) co_return ec;
    liveness.on_sent(now());
    last_progress_ = now();
    if (close_when_sent_ && queue_.empty()) {
      close();
      co_return routing::Error::link_closed;
    }
  }
}

asio::awaitable<std::error_code> TcpLink::watchdog(Liveness& liveness) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto deadline = liveness.next_deadline();
    if (!queue_.empty()) deadline = std::min(deadline, last_progress_ + options_.dead_after);
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(kUseTuple);
    if (ec) co_return ec;
    const auto t = now();
    if (liveness.peer_dead(t)) co_return asio::error::timed_out;
    if (!queue_.empty() && t - last_progress_ >= options_.dead_after) {
      spdlog::warn("link {} to {}: the peer took nothing of {} queued bytes for {} ms; closing its session",
                   address_.value, peer_, queue_.bytes(), options_.dead_after.count());
      co_return routing::Error::queue_full;
    }
    if (liveness.heartbeat_due(t)) {
      // Something queued is about to go out, which proves us alive just as well.
      if (queue_.empty()) (void)queue_.push(Message{});
      queued_.notify();
      liveness.on_sent(t);
    }
  }
}

asio::awaitable<void> TcpLink::pause_for(std::chrono::milliseconds delay) {
  if (closed_) co_return;
  pause_timer_.expires_after(delay);
  co_await pause_timer_.async_wait(kUseTuple);
}

void TcpLink::end_session(std::error_code why) {
  const std::size_t backlog = queue_.bytes();
  while (!queue_.empty()) (void)queue_.pop();
  if (backlog >= kTrimAfterBytes) malloc_trim(0);
  if (stream_ == nullptr) return;
  session_end_ = why;
  stream_->close();
  set_up(nullptr);
  queued_.notify();
}

void TcpLink::close() {
  if (closed_) return;
  closed_ = true;
  const std::size_t backlog = queue_.bytes();
  queue_.close();
  if (backlog >= kTrimAfterBytes) malloc_trim(0);
  pause_timer_.cancel();
  if (stream_ != nullptr) stream_->close();  // the session's loops end; run_session reports the link down
  queued_.notify();
  if (auto closed = std::exchange(on_close_, nullptr)) closed();
}

void TcpLink::close_when_sent(std::function<void()> closed) {
  if (closed_) {
    if (closed) closed();
    return;
  }
  close_when_sent_ = true;
  on_close_ = std::move(closed);
  // Nothing queued or being written, or no session to send it on.
  if ((queue_.empty() && !writing_) || stream_ == nullptr) close();
}

void TcpLink::set_up(ByteStream* stream) {
  if (stream_ == stream) return;
  stream_ = stream;
  for (const auto& observer : observers_) observer(stream != nullptr);
}

}  // namespace portico
