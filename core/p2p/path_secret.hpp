#pragma once
// The path secret: 32 bytes two nodes agree on inside their end-to-end secure channel, from which everything on a
// direct path is keyed (probes: path_prober.hpp; QUIC packet protection: quic_keys.hpp).

#include <array>
#include <cstdint>

namespace portico::p2p {

inline constexpr std::size_t kPathSecretBytes = 32;
using PathSecret = std::array<std::uint8_t, kPathSecretBytes>;

}  // namespace portico::p2p
