#include "portal/portal_stream.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "portal/portal_messages.hpp"
#include "wire/buffer_pool.hpp"

namespace portico::portal {
namespace {
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// The verified identity a message came through ("" when it came over a plain link or from this node).
// A view into the message's origin, so the check on every Data message copies nothing.
std::string_view sender_of(const Message& message) {
  if (!message.origin || message.origin->kind != MessageOrigin::Kind::channel) return {};
  return message.origin->peer;
}
std::string_view describe(std::string_view sender) { return sender.empty() ? "a plain link" : sender; }
}  // namespace

PortalStream::PortalStream(asio::ip::tcp::socket socket, Router& router, const PortalOptions& options,
                           std::string label)
    : PortalStream(std::make_unique<TcpByteStream>(std::move(socket)), router, options, std::move(label)) {}

PortalStream::PortalStream(std::unique_ptr<ByteStream> stream, Router& router, const PortalOptions& options,
                           std::string label)
    : stream_(std::move(stream)),
      router_(router),
      address_(random_local_address(kStreamAddressPrefix)),
      label_(std::move(label)),
      flow_(options.window),
      liveness_(options.keepalive_interval, options.peer_dead_after, Liveness::Clock::now()),
      credit_arrived_(stream_->executor()),
      data_arrived_(stream_->executor()),
      counters_(options.counters) {}

void PortalStream::register_worker() { router_.register_worker(address_, shared_from_this()); }

asio::awaitable<void> PortalStream::send_open(Route outlet_route, std::string peer) {
  peer_ = std::move(peer);
  Message open{std::move(outlet_route), Route(1, address_), encode(Open{flow_.window()})};
  co_await router_.send(std::move(open));
}

asio::awaitable<void> PortalStream::accept(const Message& open, std::uint32_t peer_window) {
  start(open, peer_window);
  co_await send_to_peer(encode(Accept{flow_.window()}));
}

void PortalStream::start(const Message& from_peer, std::uint32_t peer_window) {
  state_ = State::open;
  peer_route_ = from_peer.return_route;
  if (!peer_) peer_ = std::string(sender_of(from_peer));  // the outlet side learns it from the Open
  // Never more in flight to the peer than our own window, whatever it announced: a peer that grants a huge
  // window and stops reading must not make the path to it hold more than one window of this stream.
  flow_.set_initial_credit(std::min(peer_window, flow_.window()));
  if (counters_) ++counters_->streams_opened;
  spdlog::debug("{} open, peer stream via {}", label_, to_string(peer_route_));
  auto self = shared_from_this();
  asio::co_spawn(stream_->executor(), [self]() { return self->read_loop(); }, asio::detached);
  asio::co_spawn(stream_->executor(), [self]() { return self->write_loop(); }, asio::detached);
  asio::co_spawn(stream_->executor(), [self]() { return self->keepalive_loop(); }, asio::detached);
}

asio::awaitable<void> PortalStream::keepalive_loop() {
  auto self = shared_from_this();
  asio::steady_timer timer(stream_->executor());
  liveness_.on_received(Liveness::Clock::now());
  while (state_ == State::open) {
    timer.expires_at(liveness_.next_deadline());
    co_await timer.async_wait(kUseTuple);
    if (state_ != State::open) co_return;
    const auto now = Liveness::Clock::now();
    if (liveness_.peer_dead(now)) {
      reset("no word from the peer stream for a while: it or the path to it is gone");
      co_return;
    }
    if (liveness_.heartbeat_due(now)) co_await send_to_peer(encode(Ping{}));
  }
}

asio::awaitable<void> PortalStream::handle_message(Message message) {
  if (state_ == State::closed) co_return;
  if (peer_ && sender_of(message) != *peer_) {
    spdlog::warn("{}: dropped a message from {} (the stream's peer is {})", label_, describe(sender_of(message)),
                 describe(*peer_));
    co_return;
  }
  liveness_.on_received(Liveness::Clock::now());
  const ByteView payload = message.payload;
  // Data, the common case, is queued as it arrived: no decode copy.
  if (!payload.empty() && payload[0] == kDataType && state_ == State::open) {
    const std::size_t n = payload.size() - 1;
    if (n == 0 || n > kMaxDataBytes || flow_.peer_eof() || !flow_.on_data(n)) {
      reset("peer broke the flow-control rules (data beyond credit or after shutdown)");
      co_return;
    }
    to_write_.push_back(std::move(message.payload));
    data_arrived_.notify();
    co_return;
  }
  auto decoded = decode_portal_message(payload);
  if (!decoded) {
    reset("malformed portal message from peer: " + decoded.error().message());
    co_return;
  }
  if (auto* accepted = std::get_if<Accept>(&*decoded); accepted && state_ == State::opening) {
    start(message, accepted->window);
  } else if (auto* credit = std::get_if<Credit>(&*decoded); credit && state_ == State::open) {
    if (!flow_.on_credit(credit->bytes)) {
      reset("peer granted more credit than its window");
      co_return;
    }
    credit_arrived_.notify();
  } else if (std::holds_alternative<Shutdown>(*decoded) && state_ == State::open) {
    flow_.on_peer_eof();
    data_arrived_.notify();
  } else if (std::holds_alternative<Ping>(*decoded) && state_ == State::open) {
    // Its arrival was the point.
  } else if (auto* reset_message = std::get_if<Reset>(&*decoded)) {
    reset("reset by peer: " + reset_message->reason, false);
  } else {
    reset("unexpected portal message from peer");
  }
}

asio::awaitable<void> PortalStream::read_loop() {
  auto self = shared_from_this();
  for (;;) {
    while (flow_.send_credit() == 0 && state_ == State::open) co_await credit_arrived_.wait();
    if (state_ != State::open) co_return;
    // An idle connection holds no buffer: wait until there is something to read, then take one from the pool.
    const std::error_code wait_ec = co_await stream_->wait_readable();
    if (state_ != State::open) co_return;
    const std::size_t room = std::min(flow_.send_credit(), kMaxDataBytes);
    Bytes payload = wire::take_buffer(1 + room);
    payload.resize(1 + room);
    payload[0] = kDataType;
    std::error_code ec = wait_ec;
    std::size_t n = 0;
    if (!ec) n = stream_->read_available({payload.data() + 1, room}, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      wire::give_buffer(std::move(payload));
      continue;
    }
    if (ec == asio::error::eof) {
      wire::give_buffer(std::move(payload));
      flow_.on_local_eof();
      co_await send_to_peer(encode(Shutdown{}));
      maybe_finish();
      co_return;
    }
    if (ec) {
      wire::give_buffer(std::move(payload));
      reset("read failed: " + ec.message());
      co_return;
    }
    payload.resize(1 + n);
    flow_.on_sent(n);
    if (counters_) counters_->portal_bytes_in += n;
    co_await send_to_peer(std::move(payload));
  }
}

asio::awaitable<void> PortalStream::write_loop() {
  auto self = shared_from_this();
  for (;;) {
    while (to_write_.empty() && !flow_.peer_eof() && state_ == State::open) co_await data_arrived_.wait();
    if (state_ != State::open) co_return;
    if (to_write_.empty()) {  // the peer shut down and everything it sent is written
      stream_->shutdown_send();
      maybe_finish();
      co_return;
    }
    Bytes chunk = std::move(to_write_.front());
    to_write_.pop_front();
    const asio::const_buffer bytes(chunk.data() + 1, chunk.size() - 1);
    const std::size_t n = bytes.size();
    const std::error_code ec = co_await stream_->write_all({&bytes, 1});
    wire::give_buffer(std::move(chunk));
    if (state_ != State::open) co_return;
    if (ec) {
      reset("write failed: " + ec.message());
      co_return;
    }
    if (counters_) counters_->portal_bytes_out += n;
    if (const std::uint32_t credit = flow_.on_written(n); credit > 0 && !flow_.peer_eof()) {
      co_await send_to_peer(encode(Credit{credit}));
    }
  }
}

asio::awaitable<void> PortalStream::send_to_peer(Bytes payload) {
  liveness_.on_sent(Liveness::Clock::now());
  Message message{peer_route_, Route(1, address_), std::move(payload)};
  co_await router_.send(std::move(message));
}

void PortalStream::maybe_finish() {
  if (flow_.finished()) close("");
}

void PortalStream::reset(const std::string& reason, bool tell_peer) {
  if (state_ == State::closed) return;
  if (tell_peer && !peer_route_.empty()) {
    auto self = shared_from_this();
    Message message{peer_route_, Route(1, address_), encode(Reset{reason})};
    asio::co_spawn(stream_->executor(), router_.send(std::move(message)), asio::detached);
  }
  close(reason);
}

void PortalStream::close(const std::string& reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  stream_->close();
  credit_arrived_.notify();
  data_arrived_.notify();
  if (on_closed_) on_closed_(*this, reason);
  // Like TCP's TIME-WAIT: credit the peer sent before it learned we are done is still on its way. The closed
  // worker stays registered a little while to absorb it quietly instead of as "unknown address" drops.
  auto self = shared_from_this();
  asio::co_spawn(stream_->executor(), [self]() -> asio::awaitable<void> {
    asio::steady_timer linger(self->stream_->executor(), kLingerTime);
    co_await linger.async_wait(kUseTuple);
    self->router_.unregister_worker(self->address_);
  }, asio::detached);
}

}  // namespace portico::portal
