#pragma once
// RelayService: the hub's relay worker at local address "relay", one forwarding worker per registered name at
// "forward_to_<name>", and the relay's reply addresses "reply-<hex>".
//
// A Register message's return route is [hub's hop to the node, node's relay client]; the hop (over a secure
// channel: the hub's encryptor of that node's channel, and nothing else) is the route to the node, stored in the
// RelayTable. A message reaching "forward_to_<name>" may go on only to the outlet node's channel listener
// ("secure") or a channel decryptor there: never to the node's other workers (its relay client, enrollment
// client, ...), which trust what comes from the hub. Its first hop is replaced by the stored route, and the
// first hop of its return route — the sender's own hub-side channel — by a reply address the relay issues for
// that sender, so the outlet (and anyone who controls it) never learns another node's hub-side channel. A reply
// address is usable only by the node that holds the relay now (the message must arrive over the stored
// route); there the onward hop becomes the sender's channel again and the return hop "forward_to_<name>", so
// the sender too sees only the relay. The hub decrypts nothing and keeps no data.
// Reply addresses go when the sender's channel closes (forget_route) or the name is freed; at most
// kMaxReplyAddresses exist.
// For `portico status` and /metrics, each name counts the payload bytes routed to its owner and back (the
// table's counters), and a name whose node's channel closes is marked seen at that moment (offline since then).
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "relay/relay_messages.hpp"
#include "relay/relay_store.hpp"
#include "relay/relay_table.hpp"
#include "routing/router.hpp"

namespace portico::relay {

inline constexpr std::string_view kReplyAddressPrefix = "reply";
inline constexpr std::size_t kMaxReplyAddresses = 65536;

// One relay name as the hub sees it now (RelayService::relays()).
struct RelayView {
  std::string name;
  std::string owner;
  bool online = false;
  std::uint64_t since = 0;  // online: its latest registration; offline: when it was last seen (seconds since epoch)
  std::uint64_t bytes_to_owner = 0;
  std::uint64_t bytes_from_owner = 0;
  std::uint64_t senders = 0;  // reply addresses through it: nodes whose channels reach the owner now
};

class RelayService final : public Worker, public std::enable_shared_from_this<RelayService> {
 public:
  struct Options {
    RelayLimits limits{};
    std::function<std::uint64_t()> clock{};  // seconds since the epoch; default: the system clock
    // Called after every change of owner (created, released, dropped) and by touch_online(), to store the table
    // (relay_store.hpp).
    std::function<void(const RelayTable&)> persist{};
    // Called when only "last seen" changed: store the table within a while (the hub coalesces these).
    std::function<void()> persist_soon{};
    // Where a message for an offline relay goes (the hub's dead letters: a record gets a refusal at once).
    std::shared_ptr<Worker> offline{};
  };

  RelayService(Router& router, Options options);

  // Registers the service at kServiceAddress; `restored` names (relay_store.hpp) are owned from the start.
  static std::shared_ptr<RelayService> start(Router& router, Options options,
                                             const std::vector<StoredRelay>& restored = {});
  static std::shared_ptr<RelayService> start(Router& router);

  asio::awaitable<void> handle_message(Message message) override;
  const RelayTable& table() const { return table_; }
  // Every name in the table, in no particular order (at most kMaxNames).
  std::vector<RelayView> relays() const;

  // Forwards one message that arrived at "forward_to_<name>".
  asio::awaitable<void> forward(const std::string& name, Message message);
  // Delivers one reply that arrived at a reply address.
  asio::awaitable<void> reply(const Address& at, Message message);

  // Frees a name (the operator's release); false when nobody held it.
  bool release(const std::string& name, const std::string& why);
  // Frees every name of a revoked identity; returns them.
  std::vector<std::string> drop_owner(const std::string& owner, const std::string& why);
  // A hop on the hub went away (a node's channel closed): its reply addresses go.
  void forget_route(const Address& first_hop);
  // Marks every name whose node is online as seen now (call it now and then; stored when anything changed).
  void touch_online();
  // Whether `address` is one of this relay's reply addresses (or looks like one).
  static bool is_reply_address(const Address& address);

 private:
  asio::awaitable<void> answer_lookup(const std::string& name, const Message& request);
  asio::awaitable<void> refuse(const Message& request, const std::string& name, const std::string& reason);
  bool online(const RelayBinding& binding) const;
  Address reply_address_for(const std::string& name, const Address& sender_hop);
  void forget_name(const std::string& name);
  void persist();

  struct ReplyTarget {
    std::string name;
    Address sender_hop;
  };

  Router& router_;
  Options options_;
  RelayTable table_;
  std::map<std::string, ReplyTarget> replies_;                               // reply address -> where it leads
  std::map<std::pair<std::string, std::string>, Address> reply_of_;          // (name, sender hop) -> reply address
  std::uint64_t limit_refusals_ = 0;
  std::chrono::steady_clock::time_point limit_logged_{};
};

}  // namespace portico::relay
