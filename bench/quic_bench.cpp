// The QUIC adapter's cost (core/p2p), beside the AEAD work it cannot avoid, measured in the same run:
//   - QuicBulkTransfer: 16 MiB on one stream between two QuicConnections in this thread, every packet handed
//     straight to the other end (no loss, no delay): ngtcp2's framing, ACKs, congestion control and our packet
//     protection, both ends together;
//   - ChaCha20Poly1305PerPacket: sealing and opening the same bytes in 1200-byte packets with bare libsodium,
//     the floor under any protected UDP transport.
// Run: build/default/bench/portico_quic_bench   (see bench/README.md)

#include <sodium.h>

#include <benchmark/benchmark.h>

#include "p2p/quic_connection.hpp"

namespace {

using namespace portico;
using namespace portico::p2p;
constexpr std::size_t kTransferBytes = 16 << 20;
constexpr std::size_t kPacketBytes = 1200;

// Moves every packet one end writes to the other at once; returns false if the connection broke.
bool exchange(QuicConnection& from, QuicConnection& to, QuicConnection::Time now, std::vector<Bytes>& packets) {
  packets.clear();
  from.write(packets, now, 256);
  for (const Bytes& packet : packets) (void)to.receive(packet, now);
  return !from.closed() && !to.closed();
}

void QuicBulkTransfer(benchmark::State& state) {
  PathSecret secret{};
  randombytes_buf(secret.data(), secret.size());
  const Bytes chunk(64 * 1024, 0x5a);
  for (auto _ : state) {
    auto now = QuicConnection::Clock::now();
    auto client = std::move(*QuicConnection::client(secret, {}, now));
    std::vector<Bytes> packets;
    client->write(packets, now);
    auto server = std::move(*QuicConnection::server(secret, packets.at(0), {}, now));
    std::int64_t stream = -1;
    std::size_t given = 0, received = 0;
    for (std::size_t round = 0; received < kTransferBytes; ++round) {
      if (round > 10'000'000) {
        state.SkipWithError("no progress");
        return;
      }
      if (stream < 0 && client->established()) stream = *client->open_stream();
      while (stream >= 0 && given < kTransferBytes) {
        const std::size_t n = client->send(stream, ByteView(chunk).first(std::min(chunk.size(), kTransferBytes - given)));
        if (n == 0) break;
        given += n;
      }
      now += std::chrono::microseconds(20);
      if (!exchange(*client, *server, now, packets) || !exchange(*server, *client, now, packets)) {
        state.SkipWithError("the connection broke");
        return;
      }
      for (auto& d : server->take_received()) {
        received += d.bytes.size();
        server->consumed(d.stream, d.bytes.size());
      }
      if (client->next_timer() <= now) (void)client->on_timer(now);
      if (server->next_timer() <= now) (void)server->on_timer(now);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTransferBytes));
}
BENCHMARK(QuicBulkTransfer)->Unit(benchmark::kMillisecond);

void ChaCha20Poly1305PerPacket(benchmark::State& state) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_KEYBYTES> key{};
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  randombytes_buf(key.data(), key.size());
  Bytes packet(kPacketBytes, 0x5a), sealed(kPacketBytes + 16), opened(kPacketBytes);
  for (auto _ : state) {
    for (std::size_t done = 0; done < kTransferBytes; done += kPacketBytes) {
      ++nonce[0];
      crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), nullptr, packet.data(), packet.size(), nullptr, 0,
                                                nullptr, nonce.data(), key.data());
      if (crypto_aead_chacha20poly1305_ietf_decrypt(opened.data(), nullptr, nullptr, sealed.data(), sealed.size(),
                                                    nullptr, 0, nonce.data(), key.data()) != 0) {
        state.SkipWithError("open failed");
        return;
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTransferBytes));
}
BENCHMARK(ChaCha20Poly1305PerPacket)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
