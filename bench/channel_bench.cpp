// Secure channel costs, each printed beside the primitive it is built from, measured in the same run:
//   - Noise XX handshakes per second on one core (both sides, all three messages, split) next to the X25519
//     operations it needs (5 DH + 2 key generations per side), to show the state machine's own overhead;
//   - the same handshake as the agents run it (prologue "portico/2", m2 and m3 carrying each side's identity
//     attestation and hub credential, both checked): all of it, and the responder's (the hub's) share alone,
//     which is the figure that bounds how many nodes per second one hub core can admit;
//   - records per second and bytes per second through TransportCipher (nonce, replay window, rekey) next to
//     bare libsodium ChaCha20-Poly1305 on the same sizes.
// Run: build/default/bench/portico_channel_bench   (see bench/README.md)

#include <sodium.h>

#include <benchmark/benchmark.h>

#include "channel/handshake_payload.hpp"
#include "channel/noise_handshake.hpp"
#include "channel/transport_cipher.hpp"
#include "identity/credential.hpp"

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

// The agents' handshake: what SecureChannel does, without the asio shell and the routing around it.
struct Fleet {
  static constexpr std::uint64_t kNow = 1'800'000'000;
  identity::Identity hub = identity::Identity::generate();
  identity::Identity node = identity::Identity::generate();
  Bytes hub_credential = credential(hub), node_credential = credential(node);
  TrustPolicy policy{.authority = hub.public_key(), .expected_identifier = {}, .required_attributes = {}};
  Bytes credential(const identity::Identity& who) const {
    return identity::encode_credential(
        identity::issue_credential(hub, who.identifier(), {{"role", "device"}}, kNow - 60, kNow + 3600));
  }
};

struct Side {
  HandshakeState state;
  NoiseStaticKey noise_public{};
};

Side agent_side(Role role) {
  static constexpr std::string_view kPrologue = "portico/2";
  KeyPair keys = crypto::generate_keypair();
  NoiseStaticKey noise_public{};
  std::copy(keys.public_key.begin(), keys.public_key.end(), noise_public.begin());
  auto state = HandshakeState::create(
      {.role = role, .protocol_name = kProtocol,
       .prologue = ByteView(reinterpret_cast<const std::uint8_t*>(kPrologue.data()), kPrologue.size()),
       .static_keys = std::move(keys), .ephemeral_keys = std::nullopt});
  return {std::move(*state), noise_public};
}

bool accept_payload(const Fleet& fleet, const HandshakeState& state, const Bytes& payload_bytes) {
  auto payload = decode_handshake_payload(payload_bytes);
  const auto remote = state.remote_static();
  if (!payload || !remote) return false;
  NoiseStaticKey rs{};
  std::copy(remote->begin(), remote->end(), rs.begin());
  return check_peer(fleet.policy, *payload, rs, Fleet::kNow).has_value();
}

// One agent handshake; the responder's work timed alone when `responder_only` (the initiator's paused).
bool agent_handshake(const Fleet& fleet, benchmark::State* responder_only) {
  auto pause = [&] { if (responder_only) responder_only->PauseTiming(); };
  auto resume = [&] { if (responder_only) responder_only->ResumeTiming(); };
  pause();
  Side initiator = agent_side(Role::initiator);
  auto m1 = initiator.state.write_message({});
  resume();
  Side responder = agent_side(Role::responder);
  if (!responder.state.read_message(*m1)) return false;
  auto m2 = responder.state.write_message(encode_handshake_payload(
      make_handshake_payload(fleet.hub, responder.noise_public, false, fleet.hub_credential)));
  pause();
  auto p2 = initiator.state.read_message(*m2);
  if (!p2 || !accept_payload(fleet, initiator.state, *p2)) return false;
  auto m3 = initiator.state.write_message(encode_handshake_payload(
      make_handshake_payload(fleet.node, initiator.noise_public, false, fleet.node_credential)));
  auto initiator_transport = std::move(initiator.state).split();
  resume();
  auto p3 = responder.state.read_message(*m3);
  if (!p3 || !accept_payload(fleet, responder.state, *p3)) return false;
  auto responder_transport = std::move(responder.state).split();
  benchmark::DoNotOptimize(responder_transport);
  return initiator_transport.has_value() && responder_transport.has_value();
}

void AgentHandshake(benchmark::State& state) {
  const Fleet fleet;
  for (auto _ : state) {
    if (!agent_handshake(fleet, nullptr)) state.SkipWithError("agent handshake failed");
  }
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(AgentHandshake);

// The hub's share: read m1, write m2 with its payload, read m3 and check the node's attestation and credential.
void AgentHandshakeResponderSide(benchmark::State& state) {
  const Fleet fleet;
  for (auto _ : state) {
    if (!agent_handshake(fleet, &state)) state.SkipWithError("agent handshake failed");
  }
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(AgentHandshakeResponderSide);

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
