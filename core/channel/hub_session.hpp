#pragma once
// HubSession: a node's secure channel to its hub, kept over a reconnecting TCP link.
//
// Each time the link comes up it opens a channel to the hub's listener ("secure") pinned to the hub's identity;
// the session is up once that channel is established and down when the link or the channel goes (the hub's
// Close, or no word under the channel's keys for kDeadAfter: `portico health` reads up()). A hub that
// refuses this node, or that presents another identity, is logged as an error and tried again after
// kRetryAfterFailure while the link stays up. Workers reach hub services through route_to() (HubPath).
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channel/secure_channel.hpp"
#include "routing/hub_path.hpp"
#include "transport/tcp_link.hpp"
#include "util/notify.hpp"

namespace portico::channel {

class HubSession final : public HubPath, public std::enable_shared_from_this<HubSession> {
 public:
  static constexpr std::chrono::seconds kRetryAfterFailure{5};
  // The hub channel's liveness under its keys when Options::channel leaves it unset: the link's heartbeat times
  // (TcpOptions), so a hub that lost or closed this node's channel is noticed as fast as a dead link, and the
  // session opens a new channel by itself. A hub that closes the channel on purpose says so at once (Close).
  static constexpr std::chrono::milliseconds kKeepalive{2000};
  static constexpr std::chrono::milliseconds kDeadAfter{6000};

  struct Options {
    ChannelOptions channel;       // identity, credential, AES bit; the policy is set here from hub_identifier
    std::string hub_identifier;   // the hub must prove this identity
    std::string hub_name;         // for log lines, e.g. "hub 10.0.0.5:4000"
    std::function<void(const std::string& reason)> on_failure = nullptr;  // each failed channel, after logging
  };

  HubSession(std::shared_ptr<TcpLink> link, Router& router, Options options);
  static std::shared_ptr<HubSession> start(std::shared_ptr<TcpLink> link, Router& router, Options options);

  bool up() const override { return up_; }
  void on_state_change(StateObserver observer) override { observers_.push_back(std::move(observer)); }
  Route route_to(std::string_view worker) const override;
  asio::any_io_executor executor() override { return link_->executor(); }

  // The hub as its channel proved it (identity key, for checking credentials it issued); set once up.
  const std::optional<VerifiedPeer>& hub() const { return hub_; }
  const std::shared_ptr<TcpLink>& link() const { return link_; }
  // The channel to the hub while one is open or opening (null between attempts).
  const std::shared_ptr<SecureChannel>& channel() const { return channel_; }
  // The credential shown to the hub from the next channel on; reopen() makes that now.
  void set_credential(Bytes credential) { options_.channel.credential = std::move(credential); }
  void reopen(const std::string& reason);
  // Shows the credential set last to the hub on the open channel (after a refresh), without a new handshake.
  void present_credential();
  void stop();

 private:
  asio::awaitable<void> run();
  void set_up(bool up);

  std::shared_ptr<TcpLink> link_;
  Router& router_;
  Options options_;
  Notify changed_;
  std::shared_ptr<SecureChannel> channel_;
  std::optional<VerifiedPeer> hub_;
  std::vector<StateObserver> observers_;
  bool up_ = false;
  bool stopped_ = false;
};

}  // namespace portico::channel
