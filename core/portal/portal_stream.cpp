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
// Reads shorter than this travel in a buffer of their own size (copied out of the chunk buffer).
constexpr std::size_t kSmallReadBytes = 4096;

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
      timer_(stream_->executor()),
      counters_(options.counters), bytes_(options.bytes) {}

void PortalStream::register_worker() { router_.register_worker(address_, shared_from_this()); }

asio::awaitable<void> PortalStream::send_open(Route outlet_route, std::string peer) {
  peer_ = std::move(peer);
  Message open{std::move(outlet_route), Route(1, address_), encode(Open{flow_.window()})};
  co_await router_.send(std::move(open));
}

asio::awaitable<void> PortalStream::accept(const Message& open, std::uint32_t peer_window) {
  // The Accept goes out before anything the target has already sent: the loops start only after it.
  start(open, peer_window, false);
  co_await send_to_peer(encode(Accept{flow_.window()}));
  run();
}

void PortalStream::start(const Message& from_peer, std::uint32_t peer_window, bool then_run) {
  state_ = State::open;
  peer_route_ = from_peer.return_route;
  if (!peer_) peer_ = std::string(sender_of(from_peer));  // the outlet side learns it from the Open
  // Never more in flight to the peer than our own window, whatever it announced: a peer that grants a huge
  // window and stops reading must not make the path to it hold more than one window of this stream.
  flow_.set_initial_credit(std::min(peer_window, flow_.window()));
  if (counters_) ++counters_->streams_opened;
  spdlog::debug("{} open, peer stream via {}", label_, to_string(peer_route_));
  liveness_.on_received(Liveness::Clock::now());
  if (then_run) run();
}

void PortalStream::run() {
  if (state_ != State::open) return;
  arm_keepalive();
  start_reading();
  start_writing();
  if (auto opened = std::move(on_opened_)) opened();
}

void PortalStream::arm_keepalive() {
  timer_.expires_at(liveness_.next_deadline());
  timer_.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->on_keepalive();
  });
}

void PortalStream::on_keepalive() {
  if (state_ != State::open) return;
  const auto now = Liveness::Clock::now();
  if (liveness_.peer_dead(now)) {
    reset("no word from the peer stream for a while: it or the path to it is gone");
    return;
  }
  if (liveness_.heartbeat_due(now)) {
    asio::co_spawn(stream_->executor(), send_to_peer(encode(Ping{}), true), asio::detached);
  }
  arm_keepalive();
}

void PortalStream::start_reading() {
  if (reading_ || state_ != State::open || flow_.local_eof() || flow_.send_credit() == 0) return;
  reading_ = true;
  auto self = shared_from_this();
  asio::co_spawn(stream_->executor(), [self]() { return self->read_loop(); }, asio::detached);
}

void PortalStream::start_writing() {
  if (writing_ || state_ != State::open || (to_write_.empty() && !flow_.peer_eof())) return;
  writing_ = true;
  auto self = shared_from_this();
  asio::co_spawn(stream_->executor(), [self]() { return self->write_loop(); }, asio::detached);
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
    start_writing();
    co_return;
  }
  auto decoded = decode_portal_message(payload);
  if (!decoded) {
    reset("malformed portal message from peer: " + decoded.error().message());
    co_return;
  }
  if (auto* accepted = std::get_if<Accept>(&*decoded); accepted && state_ == State::opening) {
    start(message, accepted->window, true);
  } else if (auto* credit = std::get_if<Credit>(&*decoded); credit && state_ == State::open) {
    if (!flow_.on_credit(credit->bytes)) {
      reset("peer granted more credit than its window");
      co_return;
    }
    start_reading();
  } else if (std::holds_alternative<Shutdown>(*decoded) && state_ == State::open) {
    flow_.on_peer_eof();
    start_writing();
  } else if (std::holds_alternative<Ping>(*decoded)) {
    // Its arrival was the point (a Ping may pass the Accept it follows: the control lane, routing/message.hpp).
  } else if (auto* reset_message = std::get_if<Reset>(&*decoded)) {
    reset("reset by peer: " + reset_message->reason, false);
  } else {
    reset("unexpected portal message from peer");
  }
}

// Runs while there is credit and something to read; an idle stream leaves it and waits for readability with a
// callback (no coroutine frame), a stream without credit until Credit arrives (start_reading).
asio::awaitable<void> PortalStream::read_loop() {
  auto self = shared_from_this();
  while (state_ == State::open && flow_.send_credit() > 0) {
    const std::size_t room = std::min(flow_.send_credit(), kMaxDataBytes);
    // Room behind the chunk for the routes the end-to-end channel appends to it (its record's plaintext). A
    // recycled buffer that is not zero-filled again: only the n bytes read are ever sent.
    Bytes payload = wire::take_sized_buffer(1 + room, 1 + room + wire::kTrailerRoomBytes);
    payload[0] = kDataType;
    std::error_code ec;
    const std::size_t n = stream_->read_available({payload.data() + 1, room}, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      wire::give_buffer(std::move(payload));
      stream_->on_readable([self](std::error_code wait_ec) {
        if (self->state_ != State::open) return;
        if (wait_ec) {
          self->reading_ = false;
          self->reset("read failed: " + wait_ec.message());
          return;
        }
        asio::co_spawn(self->stream_->executor(), [self]() { return self->read_loop(); }, asio::detached);
      });
      co_return;  // still reading_: the callback carries on
    }
    if (ec == asio::error::eof) {
      wire::give_buffer(std::move(payload));
      reading_ = false;
      flow_.on_local_eof();
      co_await send_to_peer(encode(Shutdown{}));
      maybe_finish();
      co_return;
    }
    if (ec) {
      wire::give_buffer(std::move(payload));
      reading_ = false;
      reset("read failed: " + ec.message());
      co_return;
    }
    if (n < kSmallReadBytes) {
      // An interactive read: carry it in a buffer its size and keep the chunk buffer for the next read, so
      // thousands of mostly idle connections do not each hold (or fragment the heap with) a chunk.
      Bytes small;
      small.reserve(1 + n + wire::kTrailerRoomBytes);
      small.assign(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(1 + n));
      wire::give_buffer(std::move(payload));
      payload = std::move(small);
    } else {
      payload.resize(1 + n);
    }
    flow_.on_sent(n);
    if (counters_) counters_->portal_bytes_in += n;
    if (bytes_) bytes_->in += n;
    co_await send_to_peer(std::move(payload));
  }
  reading_ = false;  // out of credit (or closed): Credit starts it again
}

// Runs while there is something to write; start_writing() starts it again when Data (or Shutdown) arrives.
asio::awaitable<void> PortalStream::write_loop() {
  auto self = shared_from_this();
  while (state_ == State::open) {
    if (to_write_.empty()) {
      if (flow_.peer_eof()) {  // the peer shut down and everything it sent is written
        stream_->shutdown_send();
        writing_ = false;
        maybe_finish();
        co_return;
      }
      break;
    }
    Bytes chunk = std::move(to_write_.front());
    to_write_.pop_front();
    const asio::const_buffer bytes(chunk.data() + 1, chunk.size() - 1);
    const std::size_t n = bytes.size();
    const std::error_code ec = co_await stream_->write_all({&bytes, 1});
    wire::give_buffer(std::move(chunk));
    if (state_ != State::open) break;
    if (ec) {
      writing_ = false;
      reset("write failed: " + ec.message());
      co_return;
    }
    if (counters_) counters_->portal_bytes_out += n;
    if (bytes_) bytes_->out += n;
    if (const std::uint32_t credit = flow_.on_written(n); credit > 0 && !flow_.peer_eof()) {
      co_await send_to_peer(encode(Credit{credit}), true);
    }
  }
  writing_ = false;
}

asio::awaitable<void> PortalStream::send_to_peer(Bytes payload, bool control_lane) {
  liveness_.on_sent(Liveness::Clock::now());
  Message message{peer_route_, Route(1, address_), std::move(payload)};
  message.control_lane = control_lane;
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
    // Once open, a reset may pass Data still on its way (thrown away anyway); before, it must follow the Open.
    message.control_lane = state_ == State::open;
    asio::co_spawn(stream_->executor(), router_.send(std::move(message)), asio::detached);
  }
  close(reason);
}

void PortalStream::close(const std::string& reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  // A pending readability wait ends with an error; a stream that failed says so to its end where it can.
  if (reason.empty()) {
    stream_->close();
  } else {
    stream_->abort();
  }
  for (Bytes& chunk : to_write_) wire::give_buffer(std::move(chunk));
  to_write_.clear();
  if (on_closed_) on_closed_(*this, reason);
  // Like TCP's TIME-WAIT: credit the peer sent before it learned we are done is still on its way. The closed
  // worker stays registered a little while to absorb it quietly instead of as "unknown address" drops.
  timer_.expires_after(kLingerTime);
  timer_.async_wait([self = shared_from_this()](const asio::error_code&) {
    self->router_.unregister_worker(self->address_);
  });
}

}  // namespace portico::portal
