#pragma once
// QuicConnection: one reliable, congestion-controlled QUIC connection between two nodes (ngtcp2), as a plain
// class: packets and time in, packets and stream events out; no sockets, no clock of its own.
//
// It is the one adapter over ngtcp2 (whose API changed between 0.12 and 1.x): nothing else includes ngtcp2.h.
// There is no TLS. Both ends hold a path secret that their end-to-end secure channel agreed on (the channel is
// what authenticated the peer); every packet, from the first Initial on, is protected by keys derived from it
// (p2p/quic_keys.hpp), so only the channel's peer can make a packet this connection accepts. The handshake is
// only QUIC's own: transport parameters each way (the client's in Initial, the server's in Handshake, then the
// client's "finished" in Handshake), after which 1-RTT keys protect streams. See docs/direct-paths.md.
//
// The connection never sees a network path: it always believes it talks over one fixed pseudo path, and whoever
// owns it carries its packets over whichever real path is up (direct UDP, or the relay), so a change of path is
// invisible to it and to its streams.
//
// Streams: bidirectional, opened by either end. What a stream is given to send stays in this class (bounded per
// stream by Options::max_send_buffer) until the peer acknowledges it; what arrives is handed out in order with
// StreamData events, and the peer may send more only as the owner reports it consumed (consumed()).
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string_view>
#include <system_error>
#include <vector>

#include <netinet/in.h>
#include <ngtcp2/ngtcp2.h>

#include "p2p/quic_keys.hpp"
#include "wire/bytes.hpp"
#include "wire/result.hpp"

namespace portico::p2p {

const std::error_category& quic_category();
// An ngtcp2 error code (negative) as an error_code of the "portico.quic" category.
inline std::error_code quic_error(int code) { return {code, quic_category()}; }

class QuicConnection {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;

  struct Options {
    std::size_t max_send_buffer = 1024 * 1024;        // per stream: bytes given to send and not yet acknowledged
    std::uint64_t stream_window = 1024 * 1024;        // per stream: what the peer may send before we consume
    std::uint64_t connection_window = 16 * 1024 * 1024;  // every stream together
    std::uint64_t max_streams = 1024;                 // streams the peer may open at once
    std::chrono::milliseconds idle_timeout{30000};    // silence after which the connection is over
    std::size_t max_udp_payload = 1200;               // what every path carries (IPv6 minimum MTU, minus headers)
  };

  struct StreamData {
    std::int64_t stream = 0;
    Bytes bytes;
    bool fin = false;
  };

  static Result<std::unique_ptr<QuicConnection>> client(const PathSecret& secret, Options options, Time now);
  // A server made of the client's first packet (which it then reads, as if receive() had been called with it).
  static Result<std::unique_ptr<QuicConnection>> server(const PathSecret& secret, ByteView first_packet,
                                                        Options options, Time now);
  ~QuicConnection();
  QuicConnection(const QuicConnection&) = delete;
  QuicConnection& operator=(const QuicConnection&) = delete;

  // A packet from the peer. A packet that does not open under the keys is dropped and reported as a decrypt
  // error (not fatal: ngtcp2 itself would say nothing); any other error means the connection is over (closed()
  // is then true).
  std::error_code receive(ByteView packet, Time now);
  // Appends the packets to send now (at most `max_packets`); returns how many it appended.
  std::size_t write(std::vector<Bytes>& packets, Time now, std::size_t max_packets = 64);
  // When on_timer() must be called next (retransmission, ACK delay, idle, keepalive).
  Time next_timer() const;
  std::error_code on_timer(Time now);

  // Ends the connection; the next write() gives the CONNECTION_CLOSE that tells the peer at once.
  void close();
  bool established() const;
  bool closed() const { return closed_; }
  std::error_code close_reason() const { return close_reason_; }

  Result<std::int64_t> open_stream();
  // Takes as much of `data` as the stream's send buffer has room for; returns how much. `fin`: nothing follows
  // (only once all of `data` is taken).
  std::size_t send(std::int64_t stream, ByteView data, bool fin = false);
  std::size_t send_room(std::int64_t stream) const;
  // What arrived since the last call, in order per stream.
  std::vector<StreamData> take_received();
  // The owner has consumed `bytes` of `stream`: the peer may send that much more.
  void consumed(std::int64_t stream, std::size_t bytes);

  // Bytes acknowledged by the peer, over all streams (for tests and metrics).
  std::uint64_t bytes_acked() const { return bytes_acked_; }

 private:
  // What a stream was given to send: ngtcp2 keeps pointers into these chunks until the peer acknowledges them
  // (it retransmits from them), so a chunk never moves and goes only once acknowledged.
  struct SendStream {
    std::deque<Bytes> chunks;
    std::uint64_t base = 0;     // stream offset of chunks.front()[0]
    std::uint64_t end = 0;      // stream offset after the last chunk
    std::uint64_t written = 0;  // stream offset handed to ngtcp2
    bool fin = false;           // no more data will be given
    bool fin_written = false;
    bool pending() const { return written < end || (fin && !fin_written); }
  };
  struct Callbacks;  // quic_handshake.cpp
  static ngtcp2_callbacks make_callbacks(bool is_server);

  QuicConnection(const PathSecret& secret, Options options, bool is_server);
  std::error_code start_client(Time now);
  std::error_code start_server(ByteView first_packet, Time now);
  int on_crypto_data(int level, ByteView data);
  int on_handshake_message(int level, std::string_view tag, ByteView body);
  bool append_local_params(Bytes& out);
  int submit(int level, Bytes data);
  std::error_code install(QuicLevel level);
  std::error_code fail(int code);
  static std::uint64_t ts(Time t) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  }
  std::size_t write_one(Bytes& packet, std::uint64_t now);

  PathSecret secret_;
  Options options_;
  bool is_server_;
  ngtcp2_conn* conn_ = nullptr;
  std::map<std::int64_t, SendStream> sending_;
  std::map<std::int64_t, StreamData> received_;  // per stream, until take_received()
  std::deque<Bytes> handshake_data_;  // crypto data ngtcp2 points into
  std::array<Bytes, 3> crypto_in_;    // per level: crypto data not yet a whole message
  std::uint8_t handshake_step_ = 0;   // messages handled so far, in order
  Bytes initial_dcid_;                // the Initial keys' context
  std::array<std::uint8_t, kQuicKeyBytes> client_random_{}, server_random_{};
  bool close_pending_ = false;        // a CONNECTION_CLOSE to write
  int close_code_ = 0;
  std::uint64_t bytes_acked_ = 0;
  bool closed_ = false;
  std::error_code close_reason_;
  // A fixed pseudo path: the connection never learns a real one.
  sockaddr_in6 local_addr_{}, remote_addr_{};
  ngtcp2_path path_{};
};

}  // namespace portico::p2p
