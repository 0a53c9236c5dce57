#include "p2p/quic_session.hpp"

#include <algorithm>
#include <cstring>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

namespace portico::p2p {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
using Clock = QuicConnection::Clock;

}  // namespace

// The ByteStream a TcpLink runs over: the session's one stream.
class QuicStream final : public ByteStream {
 public:
  explicit QuicStream(std::shared_ptr<QuicSession> session) : session_(std::move(session)) {}
  ~QuicStream() override { close(); }
  asio::any_io_executor executor() override { return session_->executor_; }
  asio::awaitable<std::error_code> wait_readable() override {
    for (;;) {
      if (session_->closed_) co_return asio::error::connection_reset;
      if (!session_->inbox_.empty() || session_->fin_in_) co_return std::error_code{};
      co_await session_->readable_.wait();
    }
  }
  void on_readable(std::function<void(std::error_code)> handler) override {
    session_->read_waiter_ = std::move(handler);
    session_->wake_reader();
  }
  std::size_t read_available(std::span<std::uint8_t> into, std::error_code& ec) override {
    return session_->read(into, ec);
  }
  asio::awaitable<std::error_code> write_all(std::span<const asio::const_buffer> buffers) override {
    co_return co_await session_->write(buffers);
  }
  void shutdown_send() override { session_->shutdown_send(); }
  void close() override { session_->close(); }
  std::string peer() const override { return session_->name_ + " (direct QUIC)"; }

 private:
  std::shared_ptr<QuicSession> session_;
};

QuicConnection::Options QuicSession::options() {
  QuicConnection::Options options;
  options.max_streams = 1;
  return options;
}

QuicSession::QuicSession(asio::any_io_executor executor, std::string name, Carry carry)
    : executor_(executor), name_(std::move(name)), carry_(std::move(carry)), timer_(executor), readable_(executor),
      writable_(executor) {}

QuicSession::~QuicSession() = default;

Result<std::shared_ptr<QuicSession>> QuicSession::client(asio::any_io_executor executor, const PathSecret& secret,
                                                         std::string name, Carry carry) {
  auto conn = QuicConnection::client(secret, options(), Clock::now());
  if (!conn) return conn.error();
  auto session = std::make_shared<QuicSession>(executor, std::move(name), std::move(carry));
  session->conn_ = std::move(*conn);
  session->is_client_ = true;
  session->start();
  return session;
}

Result<std::shared_ptr<QuicSession>> QuicSession::server(asio::any_io_executor executor, const PathSecret& secret,
                                                         ByteView first_packet, std::string name, Carry carry) {
  auto conn = QuicConnection::server(secret, first_packet, options(), Clock::now());
  if (!conn) return conn.error();
  auto session = std::make_shared<QuicSession>(executor, std::move(name), std::move(carry));
  session->conn_ = std::move(*conn);
  session->start();
  return session;
}

void QuicSession::start() {
  asio::co_spawn(executor_, run_timer(), asio::detached);
  pump();
}

bool QuicSession::receive(ByteView packet) {
  if (closed_) return false;
  const std::error_code error = conn_->receive(packet, Clock::now());  // fatal ones close conn_
  pump();
  return !error;
}

void QuicSession::pump() {
  if (closed_) return;
  const auto now = Clock::now();
  std::vector<Bytes> packets;
  for (;;) {
    const std::size_t n = conn_->write(packets, now);
    for (const Bytes& packet : packets) carry_(packet);
    packets.clear();
    if (n < 64) break;
  }
  if (!stream_given_ && is_client_ && conn_->established()) {
    if (auto id = conn_->open_stream()) stream_ = *id;
  }
  for (auto& data : conn_->take_received()) {
    if (stream_ < 0 && !is_client_) stream_ = data.stream;  // the client's stream
    if (data.stream != stream_) continue;
    if (!data.bytes.empty()) inbox_.push_back(std::move(data.bytes));
    fin_in_ = fin_in_ || data.fin;
    wake_reader();
  }
  if (!stream_given_ && stream_ >= 0) {
    stream_given_ = true;
    if (on_stream_) on_stream_(std::make_unique<QuicStream>(shared_from_this()));
  }
  if (stream_ >= 0 && conn_->send_room(stream_) > 0) writable_.notify();
  if (conn_->closed()) {
    end(conn_->close_reason() ? conn_->close_reason() : std::error_code(asio::error::connection_reset));
    return;
  }
  if (conn_->next_timer() < timer_.expiry()) timer_.cancel();  // run_timer waits again, for the earlier time
}

asio::awaitable<void> QuicSession::run_timer() {
  auto self = shared_from_this();
  while (!closed_) {
    timer_.expires_at(conn_->next_timer());
    co_await timer_.async_wait(kUseTuple);
    if (closed_) break;
    const auto now = Clock::now();
    if (now >= conn_->next_timer()) (void)conn_->on_timer(now);
    pump();
  }
}

void QuicSession::end(std::error_code why) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = why;
  timer_.cancel();
  readable_.notify();
  writable_.notify();
  wake_reader();
  if (auto handler = std::exchange(on_closed_, nullptr)) handler(why);
}

void QuicSession::close() {
  if (closed_) return;
  conn_->close();
  std::vector<Bytes> packets;
  conn_->write(packets, Clock::now());  // the CONNECTION_CLOSE that tells the peer at once
  for (const Bytes& packet : packets) carry_(packet);
  end(asio::error::operation_aborted);
}

void QuicSession::wake_reader() {
  readable_.notify();
  if (!read_waiter_) return;
  std::error_code ec;
  if (closed_) {
    ec = asio::error::connection_reset;
  } else if (inbox_.empty() && !fin_in_) {
    return;
  }
  asio::post(executor_, [handler = std::move(read_waiter_), ec]() { handler(ec); });
  read_waiter_ = nullptr;
}

std::size_t QuicSession::read(std::span<std::uint8_t> into, std::error_code& ec) {
  ec = {};
  if (closed_) {
    ec = asio::error::connection_reset;
    return 0;
  }
  std::size_t n = 0;
  while (n < into.size() && !inbox_.empty()) {
    Bytes& front = inbox_.front();
    const std::size_t take = std::min(into.size() - n, front.size() - inbox_offset_);
    std::memcpy(into.data() + n, front.data() + inbox_offset_, take);
    n += take;
    inbox_offset_ += take;
    if (inbox_offset_ == front.size()) inbox_.pop_front(), inbox_offset_ = 0;
  }
  if (n == 0) {
    ec = fin_in_ ? std::error_code(asio::error::eof) : std::error_code(asio::error::would_block);
    return 0;
  }
  conn_->consumed(stream_, n);  // the peer may send that much more
  pump();
  return n;
}

asio::awaitable<std::error_code> QuicSession::write(std::span<const asio::const_buffer> buffers) {
  auto self = shared_from_this();
  for (const asio::const_buffer& buffer : buffers) {
    ByteView left(static_cast<const std::uint8_t*>(buffer.data()), buffer.size());
    while (!left.empty()) {
      if (closed_) co_return asio::error::broken_pipe;
      if (conn_->send_room(stream_) == 0) {
        co_await writable_.wait();  // the peer acknowledges, pump() notifies
        continue;
      }
      const std::size_t n = conn_->send(stream_, left);
      if (n == 0) co_return asio::error::broken_pipe;  // the stream is finished: nothing more goes on it
      left = left.subspan(n);
      pump();
    }
  }
  co_return std::error_code{};
}

void QuicSession::shutdown_send() {
  if (closed_ || stream_ < 0) return;
  conn_->send(stream_, {}, true);
  pump();
}

}  // namespace portico::p2p
