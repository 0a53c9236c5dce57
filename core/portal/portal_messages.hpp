#pragma once
// Portal messages: the payloads of one portal stream, a TCP connection carried between an inlet and an outlet
// (docs/protocol.md, "Portals").
//
//   Open     = 0x01 window:varint      inlet stream -> outlet "outlet": open a stream; I accept `window` bytes
//   Accept   = 0x02 window:varint      outlet stream -> inlet stream: connected to the target; I accept `window`
//   Data     = 0x03 bytes...           the next bytes of the stream (1..kMaxDataBytes, the rest of the payload)
//   Credit   = 0x04 bytes:varint       I wrote `bytes` more to my socket: you may send that much more
//   Shutdown = 0x05                    I will send no more data (the client or service half-closed)
//   Reset    = 0x06 reason:str         the stream is over, abnormally; reason says why (for the logs)
//   Ping     = 0x07                    sent by a side that has been quiet for a keepalive interval: the peer's
//                                      silence for several intervals means its stream (or the path) is gone
//
// Flow control is by credit: a side never has more Data in flight than the window its peer granted and
// replenished with Credit, so a slow reader slows only its own stream and nothing buffers without bound.

#include <cstdint>
#include <string>
#include <variant>

#include "wire/bytes.hpp"

namespace portico::portal {

inline constexpr std::size_t kMaxDataBytes = 64 * 1024;
inline constexpr std::size_t kMaxReasonBytes = 255;
inline constexpr std::string_view kOutletAddress = "outlet";
// The outlet registered under relay name `relay` is also at "outlet/<relay>" ("/" is no relay-name character), so
// one node may carry several outlets behind one end-to-end listener; inlets address it by the name they dial.
inline std::string outlet_address_for(std::string_view relay) { return std::string(kOutletAddress) + "/" + std::string(relay); }
// Each stream's worker lives at "portal-<random hex>" on both ends.
inline constexpr std::string_view kStreamAddressPrefix = "portal";
inline constexpr std::uint8_t kDataType = 0x03;  // Data's type byte, for the zero-copy paths

struct Open { std::uint32_t window = 0; friend bool operator==(const Open&, const Open&) = default; };
struct Accept { std::uint32_t window = 0; friend bool operator==(const Accept&, const Accept&) = default; };
struct Data { Bytes bytes; friend bool operator==(const Data&, const Data&) = default; };
struct Credit { std::uint32_t bytes = 0; friend bool operator==(const Credit&, const Credit&) = default; };
struct Shutdown { friend bool operator==(const Shutdown&, const Shutdown&) = default; };
struct Reset { std::string reason; friend bool operator==(const Reset&, const Reset&) = default; };
struct Ping { friend bool operator==(const Ping&, const Ping&) = default; };

using PortalMessage = std::variant<Open, Accept, Data, Credit, Shutdown, Reset, Ping>;

Bytes encode(const PortalMessage& message);
// Data without copying the bytes twice: the type byte then `bytes`.
Bytes encode_data(ByteView bytes);
Result<PortalMessage> decode_portal_message(ByteView input);

}  // namespace portico::portal
