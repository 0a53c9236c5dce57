// ChannelCore: everything under the channel's keys — records both ways, hop records, credential updates and
// control (close, ping, pong).
#include "channel/channel_core.hpp"

#include <bit>

#include "channel/channel_messages.hpp"
#include "channel/hop_record.hpp"
#include "identity/credential.hpp"
#include "wire/buffer_pool.hpp"
#include "wire/message_codec.hpp"

namespace portico::channel {
namespace {

void put_u64_be(std::uint64_t value, Bytes& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::optional<std::uint64_t> get_u64_be(ByteView bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (const std::uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

}  // namespace

void ChannelCore::reject(std::string_view what, Actions& out) {
  ++records_rejected_;
  // Logged at the 1st, 2nd, 4th, 8th, ... time: a flood of forgeries costs a handful of lines.
  if (std::has_single_bit(records_rejected_)) {
    out.push_back(Log{true, "secure channel " + decryptor_.value + " with " + peer_name() + ": dropped " +
                                std::string(what) + " (" + std::to_string(records_rejected_) + " so far)"});
  }
}

std::optional<Bytes> ChannelCore::open(ByteView record, std::string_view what, Actions& out) {
  Bytes plaintext = wire::take_buffer(record.size());  // a chunk's record opens into a pooled buffer
  if (const std::error_code error = cipher_->open_into(record, {}, plaintext)) {
    wire::give_buffer(std::move(plaintext));
    reject(std::string(what) + " that does not open under the channel's keys: " + error.message(), out);
    return std::nullopt;
  }
  return plaintext;
}

// The peer spoke under the keys: it is there.
void ChannelCore::authenticated(Time now, Actions&) { last_authenticated_ = now; }

// The message is built where it will be sent from: type, then the record sealed straight behind it, with room
// left behind that for the hop header a channel it crosses appends (hop_record.hpp).
void ChannelCore::seal_and_send(std::uint8_t type, ByteView plaintext, Actions& out, bool control_lane) {
  const std::size_t size = 1 + kRecordOverheadBytes + plaintext.size();
  Bytes payload = wire::take_buffer(size < wire::kMinPooledBytes ? size : size + wire::kTrailerRoomBytes);
  payload.push_back(type);
  if (const std::error_code error = cipher_->seal_into(plaintext, {}, payload)) {
    wire::give_buffer(std::move(payload));
    fail("cannot encrypt: " + error.message(), out, false);
    return;
  }
  Message message{peer_route_, Route(1, decryptor_), std::move(payload)};
  message.sealed_end_to_end = true;
  message.control_lane = control_lane;
  out.push_back(Send{std::move(message)});
}

void ChannelCore::send_ping(Time now, Actions& out) {
  Bytes ping{kControlPing};
  put_u64_be(next_ping_id_++, ping);
  last_ping_ = now;
  seal_and_send(kControlType, ping, out, true);
}

ChannelCore::Actions ChannelCore::from_local(Message message, Time) {
  Actions out;
  if (state_ != State::established) {
    out.push_back(Log{true, "secure channel " + decryptor_.value + ": dropped a message for " +
                                to_string(message.onward) + ": the channel is not established"});
    return out;
  }
  message.onward.erase(message.onward.begin());  // our encryptor hop
  if (message.onward.empty()) {
    out.push_back(Log{true, "secure channel " + decryptor_.value + ": dropped a message from " +
                                to_string(message.return_route) + " with nowhere to go past the channel"});
    return out;
  }
  // Already sealed end to end: only its routes go under our keys, bound to it; the body crosses as it is.
  const bool control_lane = message.control_lane;
  if (travels_as_hop_record(message)) {
    auto hop = seal_hop_record(*cipher_, std::move(message));
    if (!hop) {
      fail("cannot seal a hop record: " + hop.error().message(), out, false);
      return out;
    }
    Message record{peer_route_, Route(1, decryptor_), std::move(*hop)};
    record.control_lane = control_lane;
    out.push_back(Send{std::move(record)});
    return out;
  }
  // The record's plaintext is the payload with the routes behind it (wire/message_codec.hpp), made in place.
  Bytes inner = std::move(message.payload);
  if (const std::error_code error = wire::append_route_trailer(message.onward, message.return_route, inner)) {
    wire::give_buffer(std::move(inner));
    out.push_back(Log{true, "secure channel " + decryptor_.value + ": dropped a message for " +
                                to_string(message.onward) + ": " + error.message()});
    return out;
  }
  seal_and_send(kRecordType, inner, out, control_lane);
  wire::give_buffer(std::move(inner));
  return out;
}

ChannelCore::Actions ChannelCore::present_credential(ByteView credential, Time) {
  Actions out;
  if (state_ == State::established) seal_and_send(kCredentialType, credential, out);
  return out;
}

ChannelCore::Actions ChannelCore::on_record(ByteView record, Time now) {
  Actions out;
  if (state_ != State::established) {
    fail("a record arrived before the handshake finished", out);
    return out;
  }
  auto plaintext = open(record, "a record", out);
  if (!plaintext) return out;
  authenticated(now, out);
  last_data_ = now;
  auto inner = wire::take_route_trailer(std::move(*plaintext));
  if (!inner) {
    fail("malformed message inside a record: " + inner.error().message(), out);
    return out;
  }
  inner->return_route.insert(inner->return_route.begin(), encryptor_);
  inner->origin = origin_;
  out.push_back(Send{std::move(*inner), false});
  return out;
}

ChannelCore::Actions ChannelCore::on_hop(Message message, Time now) {
  Actions out;
  if (state_ != State::established) {
    fail("a hop record arrived before the handshake finished", out);
    return out;
  }
  auto carried = open_hop_record(*cipher_, std::move(message.payload));
  if (!carried) {
    reject("a hop record that does not open under the channel's keys: " + carried.error().message(), out);
    return out;
  }
  authenticated(now, out);
  last_data_ = now;
  carried->return_route.insert(carried->return_route.begin(), encryptor_);
  carried->origin = origin_;
  out.push_back(Send{std::move(*carried), false});
  return out;
}

ChannelCore::Actions ChannelCore::on_credential(ByteView record, Time now) {
  Actions out;
  if (state_ != State::established || !peer_) {
    fail("a credential update arrived before the handshake finished", out);
    return out;
  }
  auto plaintext = open(record, "a credential update", out);
  if (!plaintext) return out;
  authenticated(now, out);
  if (!options_.policy.authority) return out;  // this side does not judge credentials (e.g. a node about its hub)
  auto credential = identity::decode_credential(*plaintext);
  std::error_code ec = credential ? identity::verify_credential(*credential, *options_.policy.authority, options_.clock())
                                  : credential.error();
  if (!ec && credential->subject != peer_->identifier) ec = PolicyError::bad_credential;
  if (ec) {
    fail("bad credential update from the peer: " + ec.message(), out);
    return out;
  }
  out.push_back(Log{false, "secure channel " + decryptor_.value + ": " + peer_->identifier +
                               " presented a fresh credential, valid until " + std::to_string(credential->expires_at) +
                               " (seconds since the epoch)"});
  peer_->credential = std::move(*credential);
  stamp_origin();
  return out;
}

ChannelCore::Actions ChannelCore::on_control(ByteView record, Time now) {
  Actions out;
  if (state_ != State::established) {
    fail("a control record arrived before the handshake finished", out);
    return out;
  }
  auto plaintext = open(record, "a control record", out);
  if (!plaintext) return out;
  authenticated(now, out);
  if (plaintext->empty()) return out;
  const ByteView body = ByteView(*plaintext).subspan(1);
  switch (plaintext->front()) {
    case kControlClose:
      fail("closed by the peer: " + std::string(as_chars(body)), out, false);
      break;
    case kControlPing: {
      Bytes pong{kControlPong};
      pong.insert(pong.end(), body.begin(), body.end());
      seal_and_send(kControlType, pong, out, true);
      break;
    }
    case kControlPong:
      if (probe_id_ && get_u64_be(body) == probe_id_) {
        probe_id_.reset();
        probe_deadline_.reset();
        if (!refusal_ignored_logged_) {
          refusal_ignored_logged_ = true;
          out.push_back(Log{true, "secure channel " + decryptor_.value + " with " + peer_name() +
                                      ": ignored an unauthenticated refusal (\"" + refusal_ +
                                      "\"): the peer still answers under the channel's keys"});
        }
      }
      break;
    default: break;  // a kind this version does not know: authenticated, harmless
  }
  return out;
}

}  // namespace portico::channel
