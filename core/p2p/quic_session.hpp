#pragma once
// QuicSession: one QuicConnection between two nodes run on the io_context, an asio shell. Packets come in through
// receive() and go out through `carry`, which its owner (DirectPaths) points at whichever real path is up: the
// direct UDP path or the relay. The connection's timer runs here. Its one stream is a ByteStream (QuicStream), so a
// TcpLink runs over it exactly as over a TCP socket: the link's framing, heartbeats, bounded queue and
// slow-consumer rule, and everything above the link (secure channels, portal streams), come unchanged.
//
// The client opens the stream once the handshake is done; the server takes the first stream the client sends
// on (QUIC streams appear when data arrives). Only one stream is allowed (max_streams = 1): anything a peer sends
// on another is dropped by ngtcp2. Closing the stream closes the connection and tells the peer; a connection that
// ends (closed by the peer, idle for Options::idle_timeout, a protocol error) fails every wait on the stream.
//
// Thread safety: none; one io_context thread.

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include "p2p/quic_connection.hpp"
#include "transport/byte_stream.hpp"
#include "util/notify.hpp"

namespace portico::p2p {

class QuicSession : public std::enable_shared_from_this<QuicSession> {
 public:
  using Carry = std::function<void(ByteView packet)>;
  using OnStream = std::function<void(std::unique_ptr<ByteStream> stream)>;
  using OnClosed = std::function<void(std::error_code why)>;

  static QuicConnection::Options options();  // what both ends use
  // `name` is the peer, for log lines and ByteStream::peer().
  static Result<std::shared_ptr<QuicSession>> client(asio::any_io_executor executor, const PathSecret& secret,
                                                     std::string name, Carry carry);
  // A server made of the client's first packet.
  static Result<std::shared_ptr<QuicSession>> server(asio::any_io_executor executor, const PathSecret& secret,
                                                     ByteView first_packet, std::string name, Carry carry);
  QuicSession(asio::any_io_executor executor, std::string name, Carry carry);
  ~QuicSession();

  // Called once, when the stream exists (client: the handshake is done; server: the client sent on it).
  void on_stream(OnStream handler) { on_stream_ = std::move(handler); }
  // Called once, when the connection has ended.
  void on_closed(OnClosed handler) { on_closed_ = std::move(handler); }

  // False when the packet did not open under the connection's keys (or anything else made it drop it).
  bool receive(ByteView packet);
  void close();
  bool closed() const { return closed_; }
  bool established() const { return conn_ && conn_->established(); }
  const std::string& name() const { return name_; }

 private:
  friend class QuicStream;
  void start();
  void pump();
  asio::awaitable<void> run_timer();
  void end(std::error_code why);

  // The stream's side, for QuicStream.
  std::size_t read(std::span<std::uint8_t> into, std::error_code& ec);
  asio::awaitable<std::error_code> write(std::span<const asio::const_buffer> buffers);
  void shutdown_send();
  void wake_reader();

  asio::any_io_executor executor_;
  std::string name_;
  Carry carry_;
  std::unique_ptr<QuicConnection> conn_;
  asio::steady_timer timer_;
  std::int64_t stream_ = -1;
  bool is_client_ = false;
  bool stream_given_ = false;
  std::deque<Bytes> inbox_;         // what arrived and the link has not read, in order
  std::size_t inbox_offset_ = 0;    // into inbox_.front()
  bool fin_in_ = false;
  Notify readable_, writable_;
  std::function<void(std::error_code)> read_waiter_;
  bool closed_ = false;
  std::error_code close_reason_;
  OnStream on_stream_;
  OnClosed on_closed_;
};

}  // namespace portico::p2p
