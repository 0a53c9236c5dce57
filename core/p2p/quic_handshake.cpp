// QuicConnection's handshake and ngtcp2's callbacks (the rest of the class is in quic_connection.cpp): the keys
// installed at each level (quic_keys.hpp), and the four handshake messages that carry the randoms and the
// transport parameters instead of TLS.
#include "p2p/quic_connection.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <sodium.h>

namespace portico::p2p {
namespace {

// The handshake's messages (QUIC crypto data), each tag:4 length:u16be body, once each, in this order:
constexpr std::string_view kClientHello = "PQ1C";     // Initial, client -> server: client random, its parameters
constexpr std::string_view kServerHello = "PQ1S";     // Initial, server -> client: server random
constexpr std::string_view kServerParams = "PQ1P";    // Handshake, server -> client: the server's parameters
constexpr std::string_view kClientFinished = "PQ1F";  // Handshake, client -> server: nothing
constexpr std::size_t kTagBytes = 4;
constexpr std::size_t kHeadBytes = kTagBytes + 2;
constexpr std::size_t kMaxParamsBytes = 512;

Bytes handshake_message(std::string_view tag, ByteView body) {
  Bytes out(tag.begin(), tag.end());
  out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(body.size() & 0xff));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

// ngtcp2's C callbacks, each handing over to the connection in user_data.
struct QuicConnection::Callbacks {
  static QuicConnection& self(void* user_data) { return *static_cast<QuicConnection*>(user_data); }

  static int client_initial(ngtcp2_conn*, void* user_data) {
    QuicConnection& c = self(user_data);
    if (c.install(QuicLevel::initial)) return NGTCP2_ERR_CALLBACK_FAILURE;
    randombytes_buf(c.client_random_.data(), c.client_random_.size());
    Bytes body(c.client_random_.begin(), c.client_random_.end());
    if (!c.append_local_params(body)) return NGTCP2_ERR_CALLBACK_FAILURE;
    return c.submit(NGTCP2_CRYPTO_LEVEL_INITIAL, handshake_message(kClientHello, body));
  }
  static int recv_client_initial(ngtcp2_conn*, const ngtcp2_cid* dcid, void* user_data) {
    QuicConnection& c = self(user_data);
    c.initial_dcid_.assign(dcid->data, dcid->data + dcid->datalen);
    return c.install(QuicLevel::initial) ? NGTCP2_ERR_CALLBACK_FAILURE : 0;
  }
  static int stream_open(ngtcp2_conn*, std::int64_t stream, void* user_data) {
    self(user_data).sending_[stream];
    return 0;
  }
  static int recv_crypto_data(ngtcp2_conn*, ngtcp2_crypto_level level, std::uint64_t, const std::uint8_t* data,
                              std::size_t len, void* user_data) {
    return self(user_data).on_crypto_data(level, ByteView(data, len));
  }
  static int recv_stream_data(ngtcp2_conn*, std::uint32_t flags, std::int64_t stream, std::uint64_t,
                              const std::uint8_t* data, std::size_t len, void* user_data, void*) {
    // One buffer per stream until the owner takes it; bounded by the windows we granted (consumed()).
    StreamData& into = self(user_data).received_[stream];
    into.stream = stream;
    into.bytes.insert(into.bytes.end(), data, data + len);
    into.fin = into.fin || (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0;
    return 0;
  }
  static int acked_stream_data_offset(ngtcp2_conn*, std::int64_t stream, std::uint64_t offset, std::uint64_t len,
                                      void* user_data, void*) {
    QuicConnection& c = self(user_data);
    auto it = c.sending_.find(stream);
    if (it == c.sending_.end()) return 0;
    SendStream& s = it->second;
    const std::uint64_t acked = offset + len;
    while (!s.chunks.empty() && s.base + s.chunks.front().size() <= acked) {
      s.base += s.chunks.front().size();
      s.chunks.pop_front();
    }
    c.bytes_acked_ += len;
    return 0;
  }
  static int stream_close(ngtcp2_conn*, std::uint32_t, std::int64_t stream, std::uint64_t, void* user_data, void*) {
    self(user_data).sending_.erase(stream);
    return 0;
  }
  static void rand(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx*) { randombytes_buf(dest, len); }
  static int get_new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token, std::size_t cidlen, void*) {
    cid->datalen = cidlen;
    randombytes_buf(cid->data, cidlen);
    randombytes_buf(token, NGTCP2_STATELESS_RESET_TOKENLEN);
    return 0;
  }
  static int update_key(ngtcp2_conn*, std::uint8_t* rx_secret, std::uint8_t* tx_secret,
                        ngtcp2_crypto_aead_ctx* rx_aead_ctx, std::uint8_t* rx_iv, ngtcp2_crypto_aead_ctx* tx_aead_ctx,
                        std::uint8_t* tx_iv, const std::uint8_t* current_rx_secret,
                        const std::uint8_t* current_tx_secret, std::size_t secret_len, void*) {
    if (secret_len != kQuicKeyBytes) return NGTCP2_ERR_CALLBACK_FAILURE;
    std::array<std::uint8_t, kQuicKeyBytes> rx{}, tx{}, unused_hp{};
    std::memcpy(rx.data(), current_rx_secret, secret_len);
    std::memcpy(tx.data(), current_tx_secret, secret_len);
    const QuicKeySet next_rx = next_keys(rx, unused_hp), next_tx = next_keys(tx, unused_hp);
    std::memcpy(rx_secret, next_rx.secret.data(), secret_len);
    std::memcpy(tx_secret, next_tx.secret.data(), secret_len);
    *rx_aead_ctx = make_aead_ctx(next_rx.key);
    *tx_aead_ctx = make_aead_ctx(next_tx.key);
    std::memcpy(rx_iv, next_rx.iv.data(), kQuicIvBytes);
    std::memcpy(tx_iv, next_tx.iv.data(), kQuicIvBytes);
    return 0;
  }
  static int get_path_challenge_data(ngtcp2_conn*, std::uint8_t* data, void*) {
    randombytes_buf(data, NGTCP2_PATH_CHALLENGE_DATALEN);
    return 0;
  }
  static int version_negotiation(ngtcp2_conn*, std::uint32_t, const ngtcp2_cid*, void*) { return 0; }
  static int recv_retry(ngtcp2_conn*, const ngtcp2_pkt_hd*, void*) { return NGTCP2_ERR_CALLBACK_FAILURE; }

  static ngtcp2_callbacks make(bool is_server) {
    ngtcp2_callbacks cb{};
    if (is_server) {
      cb.recv_client_initial = recv_client_initial;
    } else {
      cb.client_initial = client_initial;
      cb.recv_retry = recv_retry;
    }
    cb.recv_crypto_data = recv_crypto_data;
    cb.encrypt = quic_encrypt;
    cb.decrypt = quic_decrypt;
    cb.hp_mask = quic_hp_mask;
    cb.recv_stream_data = recv_stream_data;
    cb.acked_stream_data_offset = acked_stream_data_offset;
    cb.stream_close = stream_close;
    cb.stream_open = stream_open;
    cb.rand = rand;
    cb.get_new_connection_id = get_new_connection_id;
    cb.update_key = update_key;
    cb.delete_crypto_aead_ctx = quic_delete_aead_ctx;
    cb.delete_crypto_cipher_ctx = quic_delete_cipher_ctx;
    cb.get_path_challenge_data = get_path_challenge_data;
    cb.version_negotiation = version_negotiation;
    return cb;
  }
};

ngtcp2_callbacks QuicConnection::make_callbacks(bool is_server) { return Callbacks::make(is_server); }

std::error_code QuicConnection::install(QuicLevel level) {
  const auto ours = is_server_ ? QuicDirection::server_to_client : QuicDirection::client_to_server;
  const auto theirs = is_server_ ? QuicDirection::client_to_server : QuicDirection::server_to_client;
  Bytes context;
  if (level == QuicLevel::initial) {
    context = initial_dcid_;
  } else {
    context.assign(client_random_.begin(), client_random_.end());
    context.insert(context.end(), server_random_.begin(), server_random_.end());
  }
  const QuicKeySet rx = derive_keys(secret_, level, theirs, context.data(), context.size());
  const QuicKeySet tx = derive_keys(secret_, level, ours, context.data(), context.size());
  ngtcp2_crypto_aead_ctx rx_aead = make_aead_ctx(rx.key), tx_aead = make_aead_ctx(tx.key);
  ngtcp2_crypto_cipher_ctx rx_hp = make_cipher_ctx(rx.hp), tx_hp = make_cipher_ctx(tx.hp);
  const ngtcp2_crypto_ctx ctx = quic_crypto_ctx();
  int rv = 0;
  switch (level) {
    case QuicLevel::initial:
      ngtcp2_conn_set_initial_crypto_ctx(conn_, &ctx);
      rv = ngtcp2_conn_install_initial_key(conn_, &rx_aead, rx.iv.data(), &rx_hp, &tx_aead, tx.iv.data(), &tx_hp,
                                           kQuicIvBytes);
      break;
    case QuicLevel::handshake:
      ngtcp2_conn_set_crypto_ctx(conn_, &ctx);
      rv = ngtcp2_conn_install_rx_handshake_key(conn_, &rx_aead, rx.iv.data(), kQuicIvBytes, &rx_hp);
      if (rv == 0) {
        rx_aead.native_handle = nullptr, rx_hp.native_handle = nullptr;  // ngtcp2 owns them now
        rv = ngtcp2_conn_install_tx_handshake_key(conn_, &tx_aead, tx.iv.data(), kQuicIvBytes, &tx_hp);
      }
      break;
    case QuicLevel::application:
      rv = ngtcp2_conn_install_rx_key(conn_, rx.secret.data(), rx.secret.size(), &rx_aead, rx.iv.data(),
                                      kQuicIvBytes, &rx_hp);
      if (rv == 0) {
        rx_aead.native_handle = nullptr, rx_hp.native_handle = nullptr;
        rv = ngtcp2_conn_install_tx_key(conn_, tx.secret.data(), tx.secret.size(), &tx_aead, tx.iv.data(),
                                        kQuicIvBytes, &tx_hp);
      }
      break;
  }
  if (rv != 0) {
    // What ngtcp2 did not take is ours to free.
    quic_delete_aead_ctx(nullptr, &rx_aead, nullptr), quic_delete_cipher_ctx(nullptr, &rx_hp, nullptr);
    quic_delete_aead_ctx(nullptr, &tx_aead, nullptr), quic_delete_cipher_ctx(nullptr, &tx_hp, nullptr);
    return quic_error(rv);
  }
  return {};
}

int QuicConnection::submit(int level, Bytes data) {
  // ngtcp2 keeps a pointer to crypto data until it is acknowledged: it lives as long as the connection.
  handshake_data_.push_back(std::move(data));
  const Bytes& kept = handshake_data_.back();
  return ngtcp2_conn_submit_crypto_data(conn_, static_cast<ngtcp2_crypto_level>(level), kept.data(), kept.size());
}

bool QuicConnection::append_local_params(Bytes& out) {
  std::uint8_t params[kMaxParamsBytes];
  const auto n = ngtcp2_conn_encode_local_transport_params(conn_, params, sizeof params);
  if (n < 0) return false;
  out.insert(out.end(), params, params + n);
  return true;
}

// Crypto data may come in pieces: each level's is gathered until a whole message is there.
int QuicConnection::on_crypto_data(int level, ByteView data) {
  if (level < 0 || level > NGTCP2_CRYPTO_LEVEL_APPLICATION) return NGTCP2_ERR_CALLBACK_FAILURE;
  Bytes& in = crypto_in_[static_cast<std::size_t>(level)];
  if (in.size() + data.size() > kHeadBytes + kMaxParamsBytes + kQuicKeyBytes) return NGTCP2_ERR_CALLBACK_FAILURE;
  in.insert(in.end(), data.begin(), data.end());
  while (in.size() >= kHeadBytes) {
    const std::size_t len = (std::size_t{in[4]} << 8) | in[5];
    if (in.size() < kHeadBytes + len) break;
    const std::string_view tag(reinterpret_cast<const char*>(in.data()), kTagBytes);
    const Bytes body(in.begin() + kHeadBytes, in.begin() + static_cast<std::ptrdiff_t>(kHeadBytes + len));
    in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(kHeadBytes + len));
    if (int rv = on_handshake_message(level, tag, body)) return rv;
  }
  return 0;
}

// Each message once, in its order and at its level; anything else is not this protocol.
int QuicConnection::on_handshake_message(int level, std::string_view tag, ByteView body) {
  constexpr int kFail = NGTCP2_ERR_CALLBACK_FAILURE;
  const auto remote_params = [&](ByteView params) {
    return ngtcp2_conn_decode_remote_transport_params(conn_, params.data(), params.size());
  };
  const int step = static_cast<int>(handshake_step_);
  if (is_server_ && step == 0 && level == NGTCP2_CRYPTO_LEVEL_INITIAL && tag == kClientHello) {
    if (body.size() < kQuicKeyBytes || remote_params(body.subspan(kQuicKeyBytes)) != 0) return kFail;
    std::copy_n(body.begin(), kQuicKeyBytes, client_random_.begin());
    randombytes_buf(server_random_.data(), server_random_.size());
    if (install(QuicLevel::handshake) ||
        submit(NGTCP2_CRYPTO_LEVEL_INITIAL, handshake_message(kServerHello, server_random_)) != 0) {
      return kFail;
    }
    Bytes params;  // encoded after the Handshake keys are in: before, ngtcp2 leaves out what the client checks
    if (!append_local_params(params) || submit(NGTCP2_CRYPTO_LEVEL_HANDSHAKE, handshake_message(kServerParams, params)) != 0 ||
        install(QuicLevel::application)) {
      return kFail;
    }
    handshake_step_ = 1;
    return 0;
  }
  if (is_server_ && step == 1 && level == NGTCP2_CRYPTO_LEVEL_HANDSHAKE && tag == kClientFinished && body.empty()) {
    handshake_step_ = 2;
    ngtcp2_conn_handshake_completed(conn_);
    return 0;
  }
  if (!is_server_ && step == 0 && level == NGTCP2_CRYPTO_LEVEL_INITIAL && tag == kServerHello &&
      body.size() == kQuicKeyBytes) {
    std::copy_n(body.begin(), kQuicKeyBytes, server_random_.begin());
    if (install(QuicLevel::handshake)) return kFail;
    handshake_step_ = 1;
    return 0;
  }
  if (!is_server_ && step == 1 && level == NGTCP2_CRYPTO_LEVEL_HANDSHAKE && tag == kServerParams) {
    if (remote_params(body) != 0 || install(QuicLevel::application) ||
        submit(NGTCP2_CRYPTO_LEVEL_HANDSHAKE, handshake_message(kClientFinished, {})) != 0) {
      return kFail;
    }
    handshake_step_ = 2;
    ngtcp2_conn_handshake_completed(conn_);
    return 0;
  }
  return kFail;
}

}  // namespace portico::p2p
