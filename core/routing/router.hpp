#pragma once
// Router: the node's switchboard. Workers live at local addresses; transports resolve the other address types.
//
// send() looks at the first onward hop: a local address goes to its worker, any other type to the transport
// registered for it. A message for an unknown address is dropped with a log line naming the address.
// A message from outside (one with an origin) first passes the admission rule, when one is set: default deny
// lives there (channel/admission.hpp), so no worker has to check who may reach it.
// Delivery awaits the receiver, so a full next hop slows the sender (backpressure) instead of growing a queue.
//
// Thread safety: none; used from the node's single io_context thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>

#include <asio/awaitable.hpp>

#include "routing/message.hpp"

namespace portico {

namespace routing {
enum class Error { empty_route = 1, unknown_address, no_transport, link_closed, denied, queue_full };
const std::error_category& routing_category();
inline std::error_code make_error_code(Error e) { return {static_cast<int>(e), routing_category()}; }
}  // namespace routing

class Worker {
 public:
  virtual ~Worker() = default;
  // Called for a message whose first onward hop is this worker's address. May wait for room downstream; must
  // not wait for anything else.
  virtual asio::awaitable<void> handle_message(Message message) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends a message whose first onward hop has this transport's type, waiting while the next hop is full.
  virtual asio::awaitable<std::error_code> send(Message message) = 0;
};

class Router {
 public:
  // False (and nothing changes) when the address is taken.
  bool register_worker(const Address& address, std::shared_ptr<Worker> worker);
  void unregister_worker(const Address& address);
  bool has_worker(const Address& address) const { return workers_.contains(address); }

  // The transport must outlive the router's use of it.
  void register_transport(std::uint8_t type, Transport& transport) { transports_[type] = &transport; }

  asio::awaitable<std::error_code> send(Message message);

  // Decides whether a message from outside may go where it is going: empty = yes, else why not (logged with
  // the destination and the sender). Without a rule, everything is admitted.
  using Admission = std::function<std::string(const Message&)>;
  void set_admission(Admission admission) { admission_ = std::move(admission); }

  // Where a message from outside for an unknown local address goes once its drop is logged and counted, so a
  // protocol can answer it (the secure channel tells the peer of a channel this node no longer has).
  void set_dead_letters(std::shared_ptr<Worker> worker) { dead_letters_ = std::move(worker); }

  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t denied() const { return denied_; }

 private:
  std::unordered_map<Address, std::shared_ptr<Worker>, AddressHash> workers_;
  std::unordered_map<std::uint8_t, Transport*> transports_;
  Admission admission_;
  std::shared_ptr<Worker> dead_letters_;
  std::uint64_t dropped_ = 0;
  std::uint64_t denied_ = 0;
};

}  // namespace portico

template <>
struct std::is_error_code_enum<portico::routing::Error> : std::true_type {};
