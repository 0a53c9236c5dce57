#include "channel/dead_letters.hpp"

#include <spdlog/spdlog.h>

#include "channel/channel_messages.hpp"

namespace portico::channel {
namespace {
constexpr std::string_view kNoSuchChannel = "no such channel any more (closed, or its node restarted)";
}  // namespace

asio::awaitable<void> ChannelDeadLetters::handle_message(Message message) {
  if (message.onward.empty() || !is_channel_address(message.onward.front())) co_return;
  if (message.payload.empty() || message.return_route.empty()) co_return;
  const std::uint8_t type = message.payload.front();
  // Never answer a refusal (two nodes that both forgot a channel would answer each other forever), nor a
  // first handshake message, which goes to the listener and never to a channel address. A record (any sealed
  // type, or a hop record) on its way
  // may meet the gap at its destination (a decryptor) or at a hop (the hub's encryptor for a node's channel,
  // gone with its link): either way, that channel's records lead nowhere now.
  if (!is_sealed_type(type) && type != kHopType) co_return;
  Bytes refusal{kRefusalType};
  refusal.insert(refusal.end(), kNoSuchChannel.begin(), kNoSuchChannel.end());
  spdlog::info("told {} that channel {} is gone", to_string(message.return_route), message.onward.front().to_string());
  ++answered_;
  // A named message: GCC 12 destroys some temporaries of a co_await expression twice.
  Message answer{message.return_route, {}, std::move(refusal)};
  co_await router_.send(std::move(answer));
}

}  // namespace portico::channel
