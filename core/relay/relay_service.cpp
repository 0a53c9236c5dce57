#include "relay/relay_service.hpp"

#include <spdlog/spdlog.h>

#include "channel/channel_messages.hpp"
#include "util/log_limit.hpp"

namespace portico::relay {
namespace {

// A limit refusal is logged at most this often (with how many were not).
constexpr auto kLimitLogInterval = std::chrono::seconds(10);

std::uint64_t system_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// The worker at "forward_to_<name>": hands each message to the service with its name.
class RelayForwarder final : public Worker {
 public:
  RelayForwarder(std::weak_ptr<RelayService> service, std::string name)
      : service_(std::move(service)), name_(std::move(name)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (auto service = service_.lock()) co_await service->forward(name_, std::move(message));
  }

 private:
  std::weak_ptr<RelayService> service_;
  std::string name_;
};

// The worker at a reply address.
class ReplyWorker final : public Worker {
 public:
  ReplyWorker(std::weak_ptr<RelayService> service, Address at) : service_(std::move(service)), at_(std::move(at)) {}
  asio::awaitable<void> handle_message(Message message) override {
    if (auto service = service_.lock()) co_await service->reply(at_, std::move(message));
  }

 private:
  std::weak_ptr<RelayService> service_;
  Address at_;
};

Address forwarder_address(const std::string& name) { return Address::local(std::string(kRelayAddressPrefix) + name); }

}  // namespace

RelayService::RelayService(Router& router, Options options)
    : router_(router), options_(std::move(options)), table_(options_.limits) {
  if (!options_.clock) options_.clock = system_seconds;
}

std::shared_ptr<RelayService> RelayService::start(Router& router) { return start(router, Options{}); }

std::shared_ptr<RelayService> RelayService::start(Router& router, Options options,
                                                  const std::vector<StoredRelay>& restored) {
  auto service = std::make_shared<RelayService>(router, std::move(options));
  router.register_worker(Address::local(std::string(kServiceAddress)), service);
  const std::uint64_t now = service->options_.clock();
  const std::uint64_t keep = service->table_.limits().keep_unseen;
  for (const auto& relay : restored) {
    if (now > relay.last_seen + keep) {
      spdlog::info("relay \"{}\" of {} is free: unseen for more than {} s", relay.name, relay.owner, keep);
      continue;
    }
    service->table_.restore(relay.name, relay.owner, relay.last_seen);
    router.register_worker(forwarder_address(relay.name),
                           std::make_shared<RelayForwarder>(service->weak_from_this(), relay.name));
  }
  if (!restored.empty()) spdlog::info("relay service: {} names owned from the stored table", service->table_.size());
  return service;
}

bool RelayService::is_reply_address(const Address& address) {
  return address.is_local() && address.value.size() > kReplyAddressPrefix.size() + 1 &&
         address.value.starts_with(kReplyAddressPrefix) && address.value[kReplyAddressPrefix.size()] == '-';
}

bool RelayService::online(const RelayBinding& binding) const {
  return !binding.route_to_node.empty() && router_.has_worker(binding.route_to_node.front());
}

void RelayService::persist() {
  if (options_.persist) options_.persist(table_);
}

asio::awaitable<void> RelayService::refuse(const Message& request, const std::string& name, const std::string& reason) {
  Message refused = make_reply(request, Address::local(std::string(kServiceAddress)), encode(Refused{name, reason}));
  co_await router_.send(std::move(refused));
}

asio::awaitable<void> RelayService::handle_message(Message message) {
  auto decoded = decode_relay_message(message.payload);
  if (decoded && std::holds_alternative<Lookup>(*decoded) && !message.return_route.empty()) {
    co_await answer_lookup(std::get<Lookup>(*decoded).name, message);
    co_return;
  }
  const auto* request = decoded ? std::get_if<Register>(&*decoded) : nullptr;
  // Over a secure channel the name belongs to the verified identity, whatever the request claims, and the route
  // to the node is that channel's hop on the hub: nothing the node could steer elsewhere.
  const bool verified = message.origin && message.origin->kind == MessageOrigin::Kind::channel;
  if (request == nullptr || message.return_route.size() < 2 || (verified && message.return_route.size() != 2)) {
    const std::string from =
        verified ? message.origin->peer : message.return_route.empty() ? "?" : message.return_route.front().value;
    if (auto gate = util::log_gate("relay-malformed", from)) {
      spdlog::warn("relay service: dropped a malformed request from {}: {}{}", util::clip(from),
                   decoded ? "not a register request with a route back to one worker" : decoded.error().message(),
                   gate.suffix());
    }
    co_return;
  }
  if (!valid_relay_name(request->name)) {
    if (auto gate = util::log_gate("relay-bad-name", message.return_route.front().value)) {
      spdlog::warn("relay service: refused an invalid name from {}{}", util::clip(message.return_route.front().value),
                   gate.suffix());
    }
    co_await refuse(message, request->name, "not a valid relay name");
    co_return;
  }
  Route to_node(message.return_route.begin(), message.return_route.end() - 1);
  const std::string owner = verified ? message.origin->peer : request->owner;
  const RelayBinding* before = table_.find(request->name);
  const bool holder_online = before != nullptr && online(*before);
  const std::string previous_owner = before != nullptr ? before->owner : std::string();
  const auto outcome = table_.register_relay(request->name, owner, to_node, options_.clock(), holder_online);
  if (outcome == RegisterOutcome::refused) {
    if (auto gate = util::log_gate("relay-taken", verified ? owner : to_string(to_node))) {
      spdlog::warn("relay service: refused relay \"{}\" to {}: the name belongs to {}{}", request->name,
                   util::clip(verified ? owner : to_string(to_node)), previous_owner, gate.suffix());
    }
    co_await refuse(message, request->name, verified ? "the name belongs to another identity"
                                                     : "the name belongs to another node");
    co_return;
  }
  if (outcome == RegisterOutcome::owner_limit || outcome == RegisterOutcome::table_full) {
    ++limit_refusals_;
    const auto now = std::chrono::steady_clock::now();
    if (now - limit_logged_ >= kLimitLogInterval) {
      spdlog::warn("relay service: refused relay \"{}\" to {}: {} ({} such refusals since the last line)",
                   request->name, owner, outcome == RegisterOutcome::owner_limit
                       ? "it already holds " + std::to_string(table_.limits().names_per_owner) +
                             " relay names (OCKAM_RELAY_NAMES_PER_IDENTITY)"
                       : "the hub holds " + std::to_string(kMaxNames) + " relay names",
                   limit_refusals_);
      limit_logged_ = now;
      limit_refusals_ = 0;
    }
    co_await refuse(message, request->name, outcome == RegisterOutcome::owner_limit
                                                ? "this identity holds as many relay names as the hub allows"
                                                : "the hub holds as many relay names as it can");
    co_return;
  }
  const std::string relay_address = std::string(kRelayAddressPrefix) + request->name;
  if (outcome == RegisterOutcome::created) {
    if (!previous_owner.empty()) {
      spdlog::warn("relay \"{}\": {} was unseen for more than {} s; the name now belongs to {}", request->name,
                   previous_owner, table_.limits().keep_unseen, owner);
      forget_name(request->name);
    }
    router_.register_worker(Address::local(relay_address),
                            std::make_shared<RelayForwarder>(weak_from_this(), request->name));
  }
  // A new owner is stored at once; a re-registration's "last seen" soon (coalesced), so a hub restart that brings
  // every device back at once does not rewrite the file once per device.
  if (outcome == RegisterOutcome::created) {
    persist();
  } else if (options_.persist_soon) {
    options_.persist_soon();
  }
  if (auto gate = util::log_gate(outcome == RegisterOutcome::created ? "relay-registered" : "relay-re-registered",
                                 owner)) {
    spdlog::info("relay \"{}\" {} -> {}{}{}", request->name,
                 outcome == RegisterOutcome::created ? "registered" : "re-registered", to_string(to_node),
                 verified ? " (owner " + owner + ")" : std::string(), gate.suffix());
  }
  Message reply = make_reply(message, Address::local(std::string(kServiceAddress)),
                             encode(Registered{request->name, relay_address}));
  co_await router_.send(std::move(reply));
}

asio::awaitable<void> RelayService::answer_lookup(const std::string& name, const Message& request) {
  const Address self = Address::local(std::string(kServiceAddress));
  const RelayBinding* binding = table_.find(name);
  Message reply = make_reply(request, self, binding ? encode(Owner{name, binding->owner})
                                                    : encode(Refused{name, "no relay of that name is registered"}));
  co_await router_.send(std::move(reply));
}

Address RelayService::reply_address_for(const std::string& name, const Address& sender_hop) {
  const auto key = std::make_pair(name, sender_hop.value);
  if (auto it = reply_of_.find(key); it != reply_of_.end()) return it->second;
  if (replies_.size() >= kMaxReplyAddresses) return Address{};
  Address address = random_local_address(kReplyAddressPrefix);
  while (replies_.contains(address.value)) address = random_local_address(kReplyAddressPrefix);
  replies_.emplace(address.value, ReplyTarget{name, sender_hop});
  reply_of_.emplace(key, address);
  router_.register_worker(address, std::make_shared<ReplyWorker>(weak_from_this(), address));
  return address;
}

asio::awaitable<void> RelayService::forward(const std::string& name, Message message) {
  const RelayBinding* binding = table_.find(name);
  if (binding == nullptr) co_return;  // cannot happen: forwarders exist only for registered names
  const std::string sender = message.origin && message.origin->kind == MessageOrigin::Kind::channel
                                 ? message.origin->peer : message.return_route.empty() ? "?" : message.return_route.front().value;
  // Past the relay: the outlet node's channel listener or one of its channels, nothing else there.
  const bool to_channel = message.onward.size() >= 2 &&
                          (message.onward[1] == Address::local("secure") || channel::is_decryptor(message.onward[1]));
  const bool verified = message.origin && message.origin->kind == MessageOrigin::Kind::channel;
  if ((verified && !to_channel) || message.onward.size() < 2 || message.return_route.empty()) {
    // Keyed by sender and the kind of place it tried to reach (another node, a worker): bounded, and each kind of
    // attempt is logged.
    const bool to_node_hop = message.onward.size() >= 2 && !message.onward[1].is_local();
    if (auto gate = util::log_gate(to_node_hop ? "relay-not-a-channel/node" : "relay-not-a-channel/worker", sender)) {
      spdlog::warn("relay \"{}\": refused a message from {}: a relay leads only to its node's secure channels{}", name,
                   util::clip(sender), gate.suffix());
    }
    co_return;
  }
  message.onward.erase(message.onward.begin());
  if (!online(*binding)) {
    spdlog::debug("relay \"{}\": its node is offline; a message from {} goes to the dead letters", name, sender);
    if (auto offline = options_.offline) co_await offline->handle_message(std::move(message));
    co_return;
  }
  const Address reply_at = reply_address_for(name, message.return_route.front());
  if (reply_at.value.empty()) {
    if (auto gate = util::log_gate("relay-replies-full", name)) {
      spdlog::warn("relay \"{}\": refused a message from {}: {} reply addresses in use{}", name, util::clip(sender),
                   kMaxReplyAddresses, gate.suffix());
    }
    co_return;
  }
  table_.count_bytes(name, message.payload.size(), 0);
  message.onward.insert(message.onward.begin(), binding->route_to_node.begin(), binding->route_to_node.end());
  message.return_route.front() = reply_at;
  // From here the hub sends it: the relay has judged where it may go, and the member's own rights (which do not
  // include other nodes' channels) no longer apply.
  message.origin = nullptr;
  co_await router_.send(std::move(message));
}

asio::awaitable<void> RelayService::reply(const Address& at, Message message) {
  auto it = replies_.find(at.value);
  if (it == replies_.end()) co_return;
  const ReplyTarget target = it->second;
  const RelayBinding* binding = table_.find(target.name);
  // Only the node holding the relay now answers through it: its message arrives over the stored route.
  const bool from_holder = binding != nullptr && !binding->route_to_node.empty() && !message.return_route.empty() &&
                           message.return_route.front() == binding->route_to_node.front();
  if (!from_holder || message.onward.size() < 2) {
    const std::string from =
        message.origin && message.origin->kind == MessageOrigin::Kind::channel ? message.origin->peer : "?";
    if (auto gate = util::log_gate("relay-foreign-reply", from)) {
      spdlog::warn("relay \"{}\": refused a reply from {}: only the relay's node answers through it{}", target.name,
                   from, gate.suffix());
    }
    co_return;
  }
  table_.count_bytes(target.name, 0, message.payload.size());
  message.onward.front() = target.sender_hop;
  message.return_route.front() = forwarder_address(target.name);
  message.origin = nullptr;  // as in forward()
  co_await router_.send(std::move(message));
}

std::vector<RelayView> RelayService::relays() const {
  std::map<std::string, std::uint64_t> senders;
  for (const auto& [address, target] : replies_) ++senders[target.name];
  std::vector<RelayView> out;
  out.reserve(table_.size());
  for (const auto& [name, binding] : table_.bindings()) {
    const bool is_online = online(binding);
    const auto count = senders.find(name);
    out.push_back({.name = name,
                   .owner = binding.owner,
                   .online = is_online,
                   .since = is_online && binding.registered_at != 0 ? binding.registered_at : binding.last_seen,
                   .bytes_to_owner = binding.bytes_to_owner,
                   .bytes_from_owner = binding.bytes_from_owner,
                   .senders = count == senders.end() ? 0 : count->second});
  }
  return out;
}

void RelayService::forget_name(const std::string& name) {
  for (auto it = replies_.begin(); it != replies_.end();) {
    if (it->second.name != name) {
      ++it;
      continue;
    }
    router_.unregister_worker(Address::local(it->first));
    reply_of_.erase({it->second.name, it->second.sender_hop.value});
    it = replies_.erase(it);
  }
}

void RelayService::forget_route(const Address& first_hop) {
  // A relay whose node this was goes offline now: it was seen until now ("offline since" in the status).
  const std::uint64_t now = options_.clock();
  bool went_offline = false;
  for (const auto& [name, binding] : table_.bindings()) {
    if (binding.route_to_node.empty() || binding.route_to_node.front() != first_hop) continue;
    table_.touch(name, now);
    went_offline = true;
  }
  if (went_offline && options_.persist_soon) options_.persist_soon();
  for (auto it = replies_.begin(); it != replies_.end();) {
    if (it->second.sender_hop != first_hop) {
      ++it;
      continue;
    }
    router_.unregister_worker(Address::local(it->first));
    reply_of_.erase({it->second.name, it->second.sender_hop.value});
    it = replies_.erase(it);
  }
}

bool RelayService::release(const std::string& name, const std::string& why) {
  const RelayBinding* binding = table_.find(name);
  if (binding == nullptr) return false;
  spdlog::warn("relay \"{}\" of {} released: {}", name, binding->owner, why);
  forget_name(name);
  table_.release(name);
  router_.unregister_worker(forwarder_address(name));
  persist();
  return true;
}

std::vector<std::string> RelayService::drop_owner(const std::string& owner, const std::string& why) {
  std::vector<std::string> names;
  for (const auto& [name, binding] : table_.bindings()) {
    if (binding.owner == owner) names.push_back(name);
  }
  for (const auto& name : names) {
    const RelayBinding* binding = table_.find(name);
    spdlog::warn("relay \"{}\" of {} released: {}", name, binding->owner, why);
    forget_name(name);
    table_.release(name);
    router_.unregister_worker(forwarder_address(name));
  }
  if (!names.empty()) persist();
  return names;
}

void RelayService::touch_online() {
  const std::uint64_t now = options_.clock();
  bool changed = false;
  for (const auto& [name, binding] : table_.bindings()) {
    if (!online(binding)) continue;
    table_.touch(name, now);
    changed = true;
  }
  if (changed) persist();
}

}  // namespace portico::relay
