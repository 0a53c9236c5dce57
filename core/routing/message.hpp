#pragma once
// A routing message: the unit every worker and transport handles.

#include "routing/address.hpp"
#include "wire/bytes.hpp"

namespace portico {

struct Message {
  Route onward;        // front: the worker this message is for now
  Route return_route;  // front: where a reply to it goes first
  Bytes payload;

  friend bool operator==(const Message&, const Message&) = default;
};

// The reply to `request`: onward along the request's return route, coming back to `from`.
inline Message make_reply(const Message& request, const Address& from, Bytes payload) {
  return Message{request.return_route, Route{from}, std::move(payload)};
}

}  // namespace portico
