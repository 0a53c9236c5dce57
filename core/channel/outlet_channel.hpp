#pragma once
// OutletChannel: the inlet's end-to-end secure channel to the outlet behind a relay, opened on demand.
//
// For the first stream (and after the channel is lost) it asks the hub's relay service who owns the relay
// name (Lookup -> Owner), then opens a channel through the relay to the outlet's listener, pinned to that
// identity and requiring a credential from the hub: the inlet talks only to the outlet it meant to reach,
// and the hub, which forwards the records, cannot read them. Streams share the channel; concurrent first
// streams wait for one opening. It is the worker at "relay-lookup" that the hub's answers come back to.
//
// When a direct link to that outlet comes up (p2p/direct_paths.hpp), open_direct() opens a second channel over it,
// pinned the same way; while it stands, new streams go through it and the hub carries none of their bytes.
// Streams already on the relay channel stay there. When the direct channel closes, its streams are lost as the
// relay channel's would be (OnLost) and new streams go through the relay again.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asio/steady_timer.hpp>

#include "channel/hub_session.hpp"
#include "channel/secure_channel.hpp"
#include "portal/portal_inlet.hpp"
#include "relay/relay_messages.hpp"

namespace portico::channel {

class OutletChannel final : public Worker, public std::enable_shared_from_this<OutletChannel> {
 public:
  static constexpr std::string_view kLookupAddress = "relay-lookup";
  static constexpr std::chrono::seconds kLookupTimeout{5};
  static constexpr std::chrono::seconds kDirectRetry{30};  // after a failed channel over a direct link

  struct Options {
    ChannelOptions channel;  // identity, credential, AES bit; the policy is set per opening
    std::string relay_name;
    // Judges the owner the hub names for the relay before any channel opens to it: empty accepts, else why not
    // (the inlet's pin, relay_pins in the agent). Unset: any owner.
    std::function<std::string(const std::string& owner)> vet_owner = nullptr;
    // Where the hub's lookup answers come back (one per OutletChannel of a node: an inlet each).
    std::string lookup_address = std::string(kLookupAddress);
  };

  OutletChannel(Router& router, std::shared_ptr<HubSession> hub, Options options);
  static std::shared_ptr<OutletChannel> start(Router& router, std::shared_ptr<HubSession> hub, Options options);

  // The route to the outlet worker through the channel, opening it first when needed.
  asio::awaitable<portal::OutletRoutes::Answer> route_to_outlet();
  // The credential shown to the outlet from the next opening on (after enrollment or a refresh).
  void set_credential(Bytes credential) { options_.channel.credential = std::move(credential); }
  // Closes the current channel; the next stream opens a new one.
  void discard(const std::string& reason);
  // The outlet identity the current channel is pinned to (empty when none is open).
  const std::string& owner() const { return owner_; }
  // Called when an established channel closes (refused by the outlet, idle, the hub channel gone), with its
  // encryptor — the first hop of every stream route through it — and the reason.
  using OnLost = std::function<void(const Address& first_hop, const std::string& reason)>;
  void on_lost(OnLost observer) { on_lost_ = std::move(observer); }
  // Called when a channel to the outlet is established, with its encryptor and the outlet's identifier.
  using OnEstablished = std::function<void(const Address& encryptor, const std::string& owner)>;
  void on_established(OnEstablished observer) { on_established_ = std::move(observer); }
  // A direct link to the outlet is up at `link` (open a channel over it) or gone (close that channel).
  void open_direct(const Address& link);
  void direct_lost(const Address& link, const std::string& why);
  bool direct() const;
  // Whether `encryptor` is the relay channel's (the channel a direct link was offered over).
  bool relays_through(const Address& encryptor) const { return channel_ && channel_->encryptor() == encryptor; }
  // The inlet's routes for PortalInlet::set_routes.
  portal::OutletRoutes routes();

  asio::awaitable<void> handle_message(Message message) override;

 private:
  asio::awaitable<portal::OutletRoutes::Answer> open();
  asio::awaitable<void> open_direct_channel(Address link, std::uint64_t generation);
  portal::OutletRoutes::Answer outlet_answer() const;
  asio::awaitable<std::optional<std::string>> lookup_owner(std::string& failure);

  Router& router_;
  std::shared_ptr<HubSession> hub_;
  Options options_;
  std::shared_ptr<SecureChannel> channel_;
  std::shared_ptr<SecureChannel> direct_;  // over the direct link at direct_link_, once established
  std::optional<Address> direct_link_;
  bool opening_direct_ = false;
  std::uint64_t direct_generation_ = 0;  // counts openings: only the newest one's outcome counts
  std::optional<std::chrono::steady_clock::time_point> direct_failed_at_;
  std::string owner_;  // the outlet's identifier, which channel_ is pinned to
  bool opening_ = false;
  asio::steady_timer opened_;   // cancelled when an opening ends, waking streams that wait for it
  asio::steady_timer answered_; // cancelled when the hub answers a lookup
  std::optional<relay::RelayMessage> answer_;
  OnLost on_lost_;
  OnEstablished on_established_;
};

}  // namespace portico::channel
