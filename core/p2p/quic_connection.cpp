#include "p2p/quic_connection.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include <sodium.h>

namespace portico::p2p {
namespace {

constexpr std::size_t kCidBytes = 16;

class QuicCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.quic"; }
  std::string message(int code) const override { return ngtcp2_strerror(code); }
};

// Long-header packets this protocol never uses and ngtcp2 need not see: Version Negotiation (version 0, and
// unauthenticated by design), 0-RTT and Retry (its integrity check would need QUIC's public Retry key).
bool unused_packet_type(ByteView packet) {
  if (packet.empty() || (packet[0] & 0x80) == 0) return false;
  if (packet.size() < 5) return true;
  const std::uint32_t version = (std::uint32_t{packet[1]} << 24) | (std::uint32_t{packet[2]} << 16) |
                                (std::uint32_t{packet[3]} << 8) | packet[4];
  const int type = (packet[0] & 0x30) >> 4;
  return version == 0 || type == 1 || type == 3;
}

ngtcp2_cid random_cid() {
  ngtcp2_cid cid{};
  cid.datalen = kCidBytes;
  randombytes_buf(cid.data, kCidBytes);
  return cid;
}

void pseudo_address(sockaddr_in6& address, std::uint8_t last) {
  address.sin6_family = AF_INET6;
  address.sin6_addr.s6_addr[15] = last;  // ::1 and ::2; nothing is ever sent there
  address.sin6_port = htons(443);
}

}  // namespace

const std::error_category& quic_category() {
  static const QuicCategory category;
  return category;
}

QuicConnection::QuicConnection(const PathSecret& secret, Options options, bool is_server)
    : secret_(secret), options_(options), is_server_(is_server) {
  pseudo_address(local_addr_, is_server ? 2 : 1);
  pseudo_address(remote_addr_, is_server ? 1 : 2);
  path_.local.addr = reinterpret_cast<ngtcp2_sockaddr*>(&local_addr_);
  path_.local.addrlen = sizeof local_addr_;
  path_.remote.addr = reinterpret_cast<ngtcp2_sockaddr*>(&remote_addr_);
  path_.remote.addrlen = sizeof remote_addr_;
}

QuicConnection::~QuicConnection() {
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
  sodium_memzero(secret_.data(), secret_.size());
}

namespace {

ngtcp2_settings settings_for(const QuicConnection::Options& options, std::uint64_t now) {
  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now;
  // BBR (v2): a path's random loss is not congestion. CUBIC, which takes every loss for congestion, reached a tenth
  // of TCP's rate through 1 % loss (bench/direct_bench.sh); BBR2 matches it.
  settings.cc_algo = NGTCP2_CC_ALGO_BBR2;
  settings.max_tx_udp_payload_size = options.max_udp_payload;
  settings.no_pmtud = 1;  // every path is taken to carry max_udp_payload; the relay carries no more
  settings.max_window = options.connection_window;
  settings.max_stream_window = options.stream_window;
  settings.handshake_timeout = 10 * NGTCP2_SECONDS;
  return settings;
}

ngtcp2_transport_params params_for(const QuicConnection::Options& options) {
  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = options.stream_window;
  params.initial_max_stream_data_bidi_remote = options.stream_window;
  params.initial_max_data = options.connection_window;
  params.initial_max_streams_bidi = options.max_streams;
  params.initial_max_streams_uni = 0;
  params.max_idle_timeout = static_cast<ngtcp2_duration>(options.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  params.disable_active_migration = 1;  // the pseudo path never changes
  return params;
}

}  // namespace

Result<std::unique_ptr<QuicConnection>> QuicConnection::client(const PathSecret& secret, Options options, Time now) {
  std::unique_ptr<QuicConnection> c(new QuicConnection(secret, options, false));
  if (auto ec = c->start_client(now)) return ec;
  return c;
}

Result<std::unique_ptr<QuicConnection>> QuicConnection::server(const PathSecret& secret, ByteView first_packet,
                                                               Options options, Time now) {
  std::unique_ptr<QuicConnection> c(new QuicConnection(secret, options, true));
  if (auto ec = c->start_server(first_packet, now)) return ec;
  return c;
}

std::error_code QuicConnection::start_client(Time now) {
  const ngtcp2_cid dcid = random_cid(), scid = random_cid();
  initial_dcid_.assign(dcid.data, dcid.data + dcid.datalen);
  const auto callbacks = make_callbacks(false);
  const auto settings = settings_for(options_, ts(now));
  const auto params = params_for(options_);
  if (int rv = ngtcp2_conn_client_new(&conn_, &dcid, &scid, &path_, NGTCP2_PROTO_VER_V1, &callbacks, &settings,
                                      &params, nullptr, this)) {
    return quic_error(rv);
  }
  return {};
}

std::error_code QuicConnection::start_server(ByteView first_packet, Time now) {
  if (unused_packet_type(first_packet)) return quic_error(NGTCP2_ERR_DISCARD_PKT);
  ngtcp2_pkt_hd hd{};
  if (int rv = ngtcp2_accept(&hd, first_packet.data(), first_packet.size())) return quic_error(rv);
  const ngtcp2_cid scid = random_cid();
  const auto callbacks = make_callbacks(true);
  const auto settings = settings_for(options_, ts(now));
  auto params = params_for(options_);
  params.original_dcid = hd.dcid;
  if (int rv = ngtcp2_conn_server_new(&conn_, &hd.scid, &scid, &path_, hd.version, &callbacks, &settings, &params,
                                      nullptr, this)) {
    return quic_error(rv);
  }
  return receive(first_packet, now);
}

std::error_code QuicConnection::fail(int code) {
  if (!closed_) {
    // Tell the peer at once (the next write()), unless it closed first or the connection timed out.
    close_pending_ = code != NGTCP2_ERR_DRAINING && code != NGTCP2_ERR_IDLE_CLOSE && code != NGTCP2_ERR_CLOSING;
    close_code_ = code;
  }
  closed_ = true;
  if (!close_reason_) close_reason_ = quic_error(code);
  return close_reason_;
}

std::error_code QuicConnection::receive(ByteView packet, Time now) {
  if (closed_) return close_reason_;
  if (unused_packet_type(packet)) return quic_error(NGTCP2_ERR_DISCARD_PKT);  // dropped, not fatal
  ngtcp2_pkt_info info{};
  const std::uint64_t opened = quic_packets_opened();
  const int rv = ngtcp2_conn_read_pkt(conn_, &path_, &info, packet.data(), packet.size(), ts(now));
  // ngtcp2 discards a packet that does not open under the keys (another connection's, forged) and returns 0.
  if (rv == 0 && quic_packets_opened() == opened) return quic_error(NGTCP2_ERR_DECRYPT);
  if (rv == 0) return {};
  if (rv == NGTCP2_ERR_DECRYPT || rv == NGTCP2_ERR_DISCARD_PKT) return quic_error(rv);  // dropped, not fatal
  return fail(rv);  // everything else ends the connection (ngtcp2's rule)
}

void QuicConnection::close() {
  if (closed_) return;
  (void)fail(0);  // 0: no error; the peer's ngtcp2 sees a CONNECTION_CLOSE with NO_ERROR
}

bool QuicConnection::established() const {
  return conn_ != nullptr && !closed_ && ngtcp2_conn_get_handshake_completed(conn_) != 0;
}

QuicConnection::Time QuicConnection::next_timer() const {
  const ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(conn_);
  if (closed_ || expiry == UINT64_MAX) return Time::max();
  return Time(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(expiry)));
}

std::error_code QuicConnection::on_timer(Time now) {
  if (closed_) return close_reason_;
  if (int rv = ngtcp2_conn_handle_expiry(conn_, ts(now))) return fail(rv);
  return {};
}

Result<std::int64_t> QuicConnection::open_stream() {
  std::int64_t id = -1;
  if (closed_) return close_reason_;
  if (int rv = ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr)) return quic_error(rv);
  sending_[id];
  return id;
}

std::size_t QuicConnection::send_room(std::int64_t stream) const {
  auto it = sending_.find(stream);
  const std::size_t held = it == sending_.end() ? 0 : static_cast<std::size_t>(it->second.end - it->second.base);
  return held >= options_.max_send_buffer ? 0 : options_.max_send_buffer - held;
}

std::size_t QuicConnection::send(std::int64_t stream, ByteView data, bool fin) {
  auto it = sending_.find(stream);
  if (closed_ || it == sending_.end()) return 0;  // a stream neither end opened, or one already closed
  SendStream& s = it->second;
  if (s.fin) return 0;
  const std::size_t n = std::min(data.size(), send_room(stream));
  if (n > 0) {
    s.chunks.emplace_back(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    s.end += n;
  }
  if (fin && n == data.size()) s.fin = true;
  return n;
}

std::vector<QuicConnection::StreamData> QuicConnection::take_received() {
  std::vector<StreamData> out;
  out.reserve(received_.size());
  for (auto& [stream, data] : received_) out.push_back(std::move(data));
  received_.clear();
  return out;
}

void QuicConnection::consumed(std::int64_t stream, std::size_t bytes) {
  if (closed_ || bytes == 0) return;
  (void)ngtcp2_conn_extend_max_stream_offset(conn_, stream, bytes);  // a closed stream: nothing to extend
  ngtcp2_conn_extend_max_offset(conn_, bytes);
}

std::size_t QuicConnection::write(std::vector<Bytes>& packets, Time now, std::size_t max_packets) {
  const std::uint64_t t = ts(now);
  if (closed_) {
    if (!close_pending_ || max_packets == 0) return 0;
    close_pending_ = false;
    ngtcp2_connection_close_error error;
    ngtcp2_connection_close_error_set_transport_error_liberr(&error, close_code_, nullptr, 0);
    Bytes packet(options_.max_udp_payload);
    ngtcp2_pkt_info info{};
    const auto n = ngtcp2_conn_write_connection_close(conn_, &path_, &info, packet.data(), packet.size(), &error, t);
    if (n <= 0) return 0;
    packet.resize(static_cast<std::size_t>(n));
    packets.push_back(std::move(packet));
    return 1;
  }
  std::size_t written = 0;
  while (written < max_packets) {
    Bytes packet(options_.max_udp_payload);
    const std::size_t n = write_one(packet, t);
    if (n == 0) break;
    packet.resize(n);
    packets.push_back(std::move(packet));
    ++written;
  }
  ngtcp2_conn_update_pkt_tx_time(conn_, t);
  return written;
}

// One packet: stream frames from every stream with something to send (coalesced while ngtcp2 asks for more),
// then whatever ngtcp2 has of its own (ACKs, retransmissions, handshake). 0: nothing to send now.
std::size_t QuicConnection::write_one(Bytes& packet, std::uint64_t now) {
  ngtcp2_pkt_info info{};
  std::vector<std::int64_t> blocked;
  for (;;) {
    std::int64_t stream_id = -1;
    SendStream* s = nullptr;
    for (auto& [id, candidate] : sending_) {
      if (candidate.pending() && std::find(blocked.begin(), blocked.end(), id) == blocked.end()) {
        stream_id = id, s = &candidate;
        break;
      }
    }
    ngtcp2_vec vecs[16];
    std::size_t count = 0;
    std::uint32_t flags = 0;
    if (s != nullptr) {
      flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      std::uint64_t at = s->base, given_end = s->written;
      for (const Bytes& chunk : s->chunks) {
        const std::uint64_t chunk_end = at + chunk.size();
        if (chunk_end > s->written) {
          if (count == std::size(vecs)) break;
          const std::size_t skip = static_cast<std::size_t>(s->written > at ? s->written - at : 0);
          vecs[count++] = ngtcp2_vec{const_cast<std::uint8_t*>(chunk.data() + skip), chunk.size() - skip};
          given_end = chunk_end;
        }
        at = chunk_end;
      }
      const bool all_given = given_end == s->end;  // FIN only with the stream's last byte
      if (s->fin && all_given) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    }
    ngtcp2_ssize stream_bytes = -1;
    const ngtcp2_ssize n = ngtcp2_conn_writev_stream(conn_, &path_, &info, packet.data(), packet.size(),
                                                     &stream_bytes, flags, stream_id, vecs, count, now);
    if (s != nullptr && stream_bytes >= 0) {
      s->written += static_cast<std::uint64_t>(stream_bytes);
      if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && s->written == s->end) s->fin_written = true;
    }
    if (n == NGTCP2_ERR_WRITE_MORE) {
      if (s != nullptr && s->pending()) blocked.push_back(stream_id);  // the packet has room for another stream
      continue;
    }
    if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED || n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND) {
      blocked.push_back(stream_id);
      continue;
    }
    if (n < 0) {
      (void)fail(static_cast<int>(n));
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
}

}  // namespace portico::p2p
