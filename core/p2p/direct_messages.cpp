#include "p2p/direct_messages.hpp"

#include <algorithm>
#include <string_view>

namespace portico::p2p {
namespace {

constexpr std::string_view kOfferTag = "PDO1";
constexpr std::string_view kAnswerTag = "PDA1";
constexpr std::string_view kPacketTag = "PDQ1";

bool has_tag(ByteView bytes, std::string_view tag) {
  return bytes.size() >= tag.size() && std::equal(tag.begin(), tag.end(), bytes.begin());
}

}  // namespace

Bytes encode(const DirectMessage& message) {
  Bytes out;
  if (const auto* offer = std::get_if<DirectOffer>(&message)) {
    out.assign(kOfferTag.begin(), kOfferTag.end());
    out.insert(out.end(), offer->secret.begin(), offer->secret.end());
    append_endpoints(out, offer->candidates);
  } else if (const auto* answer = std::get_if<DirectAnswer>(&message)) {
    out.assign(kAnswerTag.begin(), kAnswerTag.end());
    append_endpoints(out, answer->candidates);
  } else {
    const Bytes& packet = std::get<DirectPacket>(message).packet;
    out.reserve(kPacketTag.size() + packet.size());
    out.assign(kPacketTag.begin(), kPacketTag.end());
    out.insert(out.end(), packet.begin(), packet.end());
  }
  return out;
}

std::optional<DirectMessage> decode_direct(ByteView bytes) {
  if (has_tag(bytes, kOfferTag) && bytes.size() >= kOfferTag.size() + kPathSecretBytes) {
    DirectOffer offer;
    std::copy_n(bytes.begin() + kOfferTag.size(), kPathSecretBytes, offer.secret.begin());
    auto candidates = read_endpoints(bytes.subspan(kOfferTag.size() + kPathSecretBytes));
    if (!candidates) return std::nullopt;
    offer.candidates = std::move(*candidates);
    return offer;
  }
  if (has_tag(bytes, kAnswerTag)) {
    auto candidates = read_endpoints(bytes.subspan(kAnswerTag.size()));
    if (!candidates) return std::nullopt;
    return DirectAnswer{std::move(*candidates)};
  }
  if (has_tag(bytes, kPacketTag) && bytes.size() > kPacketTag.size() && bytes.size() <= kMaxPacketBytes) {
    return DirectPacket{Bytes(bytes.begin() + kPacketTag.size(), bytes.end())};
  }
  return std::nullopt;
}

}  // namespace portico::p2p
