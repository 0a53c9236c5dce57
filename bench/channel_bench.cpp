// Secure channel costs, each printed beside the primitive it is built from, measured in the same run:
//   - Noise XX handshakes per second on one core (both sides, all three messages, split) next to the X25519
//     operations it needs (5 DH + 2 key generations per side), to show the state machine's own overhead;
//   - records per second and bytes per second through TransportCipher (nonce, replay window, rekey) next to
//     bare libsodium ChaCha20-Poly1305 on the same sizes.
// Run: build/default/bench/portico_channel_bench   (see bench/README.md)

#include <sodium.h>

#include <benchmark/benchmark.h>

#include "channel/noise_handshake.hpp"
#include "channel/transport_cipher.hpp"

namespace {

using namespace portico;
using namespace portico::channel;
constexpr std::string_view kProtocol = "Noise_XX_25519_ChaChaPoly_SHA256";

HandshakeState make(Role role) {
  auto state = HandshakeState::create({.role = role, .protocol_name = kProtocol, .prologue = {},
                                       .static_keys = crypto::generate_keypair(), .ephemeral_keys = std::nullopt});
  return std::move(*state);
}

std::pair<TransportState, TransportState> handshake() {
  HandshakeState initiator = make(Role::initiator), responder = make(Role::responder);
  auto m1 = initiator.write_message({});
  (void)responder.read_message(*m1);
  auto m2 = responder.write_message({});
  (void)initiator.read_message(*m2);
  auto m3 = initiator.write_message({});
  (void)responder.read_message(*m3);
  return {std::move(*std::move(initiator).split()), std::move(*std::move(responder).split())};
}

void NoiseXXHandshake(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(handshake());
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(NoiseXXHandshake);

// The peer: the X25519 work a handshake cannot avoid (each side: 2 key pairs, 5 scalar multiplications in all
// counting key generation; here 4 key generations + 6 DH for both sides together).
void X25519WorkOfOneHandshake(benchmark::State& state) {
  std::array<std::uint8_t, 32> secret{}, pub{}, shared{};
  randombytes_buf(secret.data(), secret.size());
  crypto_scalarmult_base(pub.data(), secret.data());
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) crypto_scalarmult_base(pub.data(), secret.data());
    for (int i = 0; i < 6; ++i) benchmark::DoNotOptimize(crypto_scalarmult(shared.data(), secret.data(), pub.data()));
  }
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(X25519WorkOfOneHandshake);

void ChannelRecords(benchmark::State& state) {
  auto [a, b] = handshake();
  TransportCipher sender(std::move(a)), receiver(std::move(b));
  const Bytes plaintext(static_cast<std::size_t>(state.range(0)), 0x42);
  for (auto _ : state) {
    auto record = sender.encrypt(plaintext);
    benchmark::DoNotOptimize(receiver.decrypt(*record));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(ChannelRecords)->Arg(64)->Arg(1500)->Arg(64 * 1024);

// The peer: libsodium's ChaCha20-Poly1305 (IETF) seal + open of the same sizes, nothing else.
void BareChaCha20Poly1305(benchmark::State& state) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_KEYBYTES> key{};
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  randombytes_buf(key.data(), key.size());
  const Bytes plaintext(static_cast<std::size_t>(state.range(0)), 0x42);
  Bytes sealed(plaintext.size() + crypto_aead_chacha20poly1305_ietf_ABYTES), opened(plaintext.size());
  for (auto _ : state) {
    unsigned long long sealed_len = 0, opened_len = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &sealed_len, plaintext.data(), plaintext.size(),
                                              nullptr, 0, nullptr, nonce.data(), key.data());
    benchmark::DoNotOptimize(crypto_aead_chacha20poly1305_ietf_decrypt(
        opened.data(), &opened_len, nullptr, sealed.data(), sealed_len, nullptr, 0, nonce.data(), key.data()));
    sodium_increment(nonce.data(), nonce.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BareChaCha20Poly1305)->Arg(64)->Arg(1500)->Arg(64 * 1024);

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
