// Replays the official Noise test vectors through HandshakeState and PlainNoiseTransport. This file is also the
// main() of portico_channel_tests: its arguments (after GoogleTest's own flags) are vector files; without any,
// PORTICO_NOISE_VECTORS_DIR/{cacophony,snow}.json. Each file becomes one test, NoiseVectors.<file stem>.
//
// A vector is checked when its protocol is Noise_XX_25519_{ChaChaPoly,AESGCM}_{SHA256,SHA512,BLAKE2b}: both
// sides run with the vector's keys and prologues; every handshake message's ciphertext and payload, the
// handshake hash when given, the remote static keys, then every transport message are compared. AES-GCM vectors
// run once per AES-GCM backend this CPU can use (libsodium with AES-NI, and always mbedtls). Everything else is
// counted as skipped, by reason; a file with no vector checked fails.
#include "channel/noise_handshake.hpp"

#include <cctype>
#include <fstream>
#include <iostream>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "channel/crypto.hpp"
#include "channel/errors.hpp"
#include "channel/transport_cipher.hpp"
#include "json_reader.hpp"

namespace portico::channel {
namespace {

using testing_support::Json;
using testing_support::JsonReader;

Bytes unhex(const std::string& hex) {
  auto nibble = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw std::runtime_error("not a hex string: " + hex);
  };
  if (hex.size() % 2 != 0) throw std::runtime_error("odd-length hex string: " + hex);
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

std::string hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

struct Message {
  Bytes payload;
  Bytes ciphertext;
};

struct Vector {
  std::string protocol_name;
  Bytes init_prologue;
  Bytes resp_prologue;
  std::optional<Bytes> init_static, init_ephemeral, resp_static, resp_ephemeral;
  std::optional<Bytes> handshake_hash;
  bool has_psks = false;
  bool has_remote_static = false;
  std::vector<Message> messages;
};

const std::string& text_field(const Json& object, std::string_view key) {
  const Json* field = object.find(key);
  if (field == nullptr || field->kind != Json::Kind::string) {
    throw std::runtime_error("missing string field \"" + std::string(key) + "\"");
  }
  return field->string;
}

std::optional<Bytes> optional_hex(const Json& object, std::string_view key) {
  if (object.find(key) == nullptr) return std::nullopt;
  return unhex(text_field(object, key));
}

Vector read_vector(const Json& json) {
  if (json.kind != Json::Kind::object) throw std::runtime_error("a vector is not an object");
  Vector v;
  v.protocol_name = text_field(json, "protocol_name");
  v.init_prologue = unhex(text_field(json, "init_prologue"));
  v.resp_prologue = unhex(text_field(json, "resp_prologue"));
  v.init_static = optional_hex(json, "init_static");
  v.init_ephemeral = optional_hex(json, "init_ephemeral");
  v.resp_static = optional_hex(json, "resp_static");
  v.resp_ephemeral = optional_hex(json, "resp_ephemeral");
  v.handshake_hash = optional_hex(json, "handshake_hash");
  v.has_remote_static = json.find("init_remote_static") != nullptr || json.find("resp_remote_static") != nullptr;
  for (const char* key : {"init_psks", "resp_psks"}) {
    const Json* psks = json.find(key);
    if (psks != nullptr && (psks->kind != Json::Kind::array || !psks->array.empty())) v.has_psks = true;
  }
  const Json* messages = json.find("messages");
  if (messages == nullptr || messages->kind != Json::Kind::array) throw std::runtime_error("missing \"messages\"");
  for (const Json& m : messages->array) {
    if (m.kind != Json::Kind::object) throw std::runtime_error("a message is not an object");
    v.messages.push_back({unhex(text_field(m, "payload")), unhex(text_field(m, "ciphertext"))});
  }
  return v;
}

std::vector<Vector> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  const Json document = JsonReader::parse(text.str());
  const Json* vectors = document.find("vectors");
  if (document.kind != Json::Kind::object || vectors == nullptr || vectors->kind != Json::Kind::array) {
    throw std::runtime_error(path + ": no \"vectors\" array");
  }
  std::vector<Vector> out;
  for (const Json& v : vectors->array) out.push_back(read_vector(v));
  return out;
}

// Why a protocol is not supported, from its name Noise_<pattern>_<dh>_<cipher>_<hash>; empty when it is.
std::string name_skip_reason(const std::string& protocol_name) {
  std::vector<std::string> parts;
  std::stringstream name(protocol_name);
  for (std::string part; std::getline(name, part, '_');) parts.push_back(part);
  if (parts.size() != 5 || parts[0] != "Noise") return "not a Noise protocol name";
  const std::string& pattern = parts[1];
  if (pattern.rfind("XX", 0) == 0 && (pattern.find("psk") != std::string::npos ||
                                      pattern.find("fallback") != std::string::npos)) {
    return "XX with PSK or fallback";
  }
  if (pattern != "XX") return "other pattern";
  if (parts[2] != "25519") return "DH " + parts[2];
  if (parts[3] != "ChaChaPoly" && parts[3] != "AESGCM") return "cipher " + parts[3];
  if (parts[4] != "SHA256" && parts[4] != "SHA512" && parts[4] != "BLAKE2b") {
    return "hash " + parts[4] + " (not in libsodium)";
  }
  return {};
}

// Why a vector is not checked; empty when it is.
std::string skip_reason(const Vector& v) {
  if (std::string reason = name_skip_reason(v.protocol_name); !reason.empty()) return reason;
  if (v.has_psks) return "XX with PSK or fallback";
  if (v.has_remote_static || !v.init_static || !v.resp_static || !v.init_ephemeral || !v.resp_ephemeral) {
    return "XX vector without the four keys";
  }
  return {};
}

KeyPair key_pair(const Bytes& secret) {
  Result<KeyPair> pair = crypto::keypair_from_secret(secret);
  if (!pair) throw std::runtime_error("bad private key in vector");
  return *pair;
}

void replay(const Vector& v) {
  const KeyPair init_s = key_pair(*v.init_static);
  const KeyPair resp_s = key_pair(*v.resp_static);
  Result<HandshakeState> initiator = HandshakeState::create({.role = Role::initiator,
                                                             .protocol_name = v.protocol_name,
                                                             .prologue = v.init_prologue,
                                                             .static_keys = init_s,
                                                             .ephemeral_keys = key_pair(*v.init_ephemeral)});
  Result<HandshakeState> responder = HandshakeState::create({.role = Role::responder,
                                                             .protocol_name = v.protocol_name,
                                                             .prologue = v.resp_prologue,
                                                             .static_keys = resp_s,
                                                             .ephemeral_keys = key_pair(*v.resp_ephemeral)});
  ASSERT_TRUE(initiator) << initiator.error().message();
  ASSERT_TRUE(responder) << responder.error().message();
  ASSERT_GE(v.messages.size(), kXXMessages);

  // Messages alternate, the initiator first; the first three are the handshake.
  for (std::size_t i = 0; i < kXXMessages; ++i) {
    SCOPED_TRACE("handshake message " + std::to_string(i));
    HandshakeState& writer = i % 2 == 0 ? *initiator : *responder;
    HandshakeState& reader = i % 2 == 0 ? *responder : *initiator;
    Result<Bytes> written = writer.write_message(v.messages[i].payload);
    ASSERT_TRUE(written) << written.error().message();
    EXPECT_EQ(hex(*written), hex(v.messages[i].ciphertext));
    Result<Bytes> read = reader.read_message(v.messages[i].ciphertext);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(hex(*read), hex(v.messages[i].payload));
  }
  ASSERT_TRUE(initiator->is_complete() && responder->is_complete());
  EXPECT_EQ(hex(initiator->handshake_hash()), hex(responder->handshake_hash()));
  if (v.handshake_hash) {
    EXPECT_EQ(hex(initiator->handshake_hash()), hex(*v.handshake_hash));
  }

  Result<TransportState> init_transport = std::move(*initiator).split();
  Result<TransportState> resp_transport = std::move(*responder).split();
  ASSERT_TRUE(init_transport && resp_transport);
  EXPECT_EQ(init_transport->remote_static(), resp_s.public_key);
  EXPECT_EQ(resp_transport->remote_static(), init_s.public_key);

  PlainNoiseTransport init_noise(std::move(*init_transport));
  PlainNoiseTransport resp_noise(std::move(*resp_transport));
  for (std::size_t i = kXXMessages; i < v.messages.size(); ++i) {
    SCOPED_TRACE("transport message " + std::to_string(i));
    PlainNoiseTransport& writer = i % 2 == 0 ? init_noise : resp_noise;
    PlainNoiseTransport& reader = i % 2 == 0 ? resp_noise : init_noise;
    Result<Bytes> written = writer.write_message(v.messages[i].payload);
    ASSERT_TRUE(written) << written.error().message();
    EXPECT_EQ(hex(*written), hex(v.messages[i].ciphertext));
    Result<Bytes> read = reader.read_message(v.messages[i].ciphertext);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(hex(*read), hex(v.messages[i].payload));
  }
}

const char* backend_name(AesGcmBackend backend) {
  return backend == AesGcmBackend::libsodium ? "libsodium" : "mbedtls";
}

class VectorFileTest : public testing::Test {
 public:
  explicit VectorFileTest(std::string path) : path_(std::move(path)) {}

  void TestBody() override {
    std::vector<Vector> vectors;
    try {
      vectors = read_file(path_);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    const std::string file = path_.substr(path_.find_last_of('/') + 1);
    std::size_t checked = 0;
    std::map<std::string, std::size_t> skipped;
    const AesGcmBackend default_backend = crypto::aes_gcm_backend();
    for (const Vector& v : vectors) {
      // The library must agree with the runner on which protocol names it supports.
      EXPECT_EQ(static_cast<bool>(parse_protocol_name(v.protocol_name)), name_skip_reason(v.protocol_name).empty())
          << v.protocol_name;
      const std::string reason = skip_reason(v);
      if (!reason.empty()) {
        ++skipped[reason];
        continue;
      }
      std::string backends;
      for (const AesGcmBackend backend : {AesGcmBackend::libsodium, AesGcmBackend::mbedtls}) {
        const bool aes = v.protocol_name.find("_AESGCM_") != std::string::npos;
        if (!aes && backend != default_backend) continue;
        if (aes && !crypto::set_aes_gcm_backend(backend)) continue;
        SCOPED_TRACE(v.protocol_name + (aes ? std::string(" with ") + backend_name(backend) : std::string()));
        replay(v);
        if (aes) backends += std::string(backends.empty() ? " (AES-GCM: " : ", ") + backend_name(backend);
      }
      ASSERT_TRUE(crypto::set_aes_gcm_backend(default_backend));
      std::cout << "  " << file << ": checked " << v.protocol_name << (backends.empty() ? "" : backends + ")")
                << "\n";
      ++checked;
    }
    std::size_t skipped_total = 0;
    std::string reasons;
    for (const auto& [reason, count] : skipped) {
      skipped_total += count;
      reasons += (reasons.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
    }
    std::cout << file << ": " << checked << " vectors checked, " << skipped_total << " skipped (" << reasons
              << ")\n";
    EXPECT_GT(checked, 0U) << "no vector in " << path_ << " was checked";
  }

 private:
  std::string path_;
};

std::string test_name(const std::string& path, std::size_t index) {
  std::string stem = path.substr(path.find_last_of('/') + 1);
  stem = stem.substr(0, stem.find('.'));
  std::string name;
  for (const char c : stem) name.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_');
  return name.empty() ? "file" + std::to_string(index) : name;
}

}  // namespace
}  // namespace portico::channel

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty() && std::string(PORTICO_NOISE_VECTORS_DIR).empty()) {
    std::printf("Noise vector files not found beside the repository: no vector tests registered\n");
  } else if (files.empty()) {
    files = {std::string(PORTICO_NOISE_VECTORS_DIR) + "/cacophony.json",
             std::string(PORTICO_NOISE_VECTORS_DIR) + "/snow.json"};
  }
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string name = portico::channel::test_name(files[i], i);
    if (names[name]++ > 0) name += "_" + std::to_string(i);
    const std::string path = files[i];
    testing::RegisterTest("NoiseVectors", name.c_str(), nullptr, path.c_str(), __FILE__, __LINE__,
                          [path]() -> testing::Test* { return new portico::channel::VectorFileTest(path); });
  }
  return RUN_ALL_TESTS();
}
