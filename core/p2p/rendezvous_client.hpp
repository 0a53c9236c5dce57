#pragma once
// RendezvousClient: a node's side of the rendezvous (p2p/rendezvous.hpp), an asio shell. Whenever the hub path
// comes up it asks the hub's "rendezvous" service for a ticket (over the hub channel, so the ticket is the hub's
// and secret; kTicketTries times, kTicketRetry apart, then it says the hub offers none), then asks the hub's UDP port from its own UDP socket what endpoint the hub sees: kTries requests,
// kAnswerTimeout apart. The answer is logged when it changes ("this node's public UDP endpoint is …") and kept
// (endpoint()); no answer is logged once per hub session, and the node carries on over the relay.
// It asks from the node's UdpPort, the socket direct paths punch from, so the endpoint learnt is the one peers
// must reach; the port hands it the datagrams tagged "PRA1".
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>

#include "p2p/rendezvous.hpp"
#include "p2p/udp_port.hpp"
#include "routing/hub_path.hpp"
#include "routing/router.hpp"

namespace portico::p2p {

class RendezvousClient final : public Worker, public std::enable_shared_from_this<RendezvousClient> {
 public:
  static constexpr std::string_view kClientAddress = "rendezvous-client";
  static constexpr std::chrono::seconds kTicketRetry{3};
  static constexpr std::chrono::milliseconds kAnswerTimeout{1000};
  static constexpr int kTries = 3;        // UDP questions per ticket
  static constexpr int kTicketTries = 3;  // ticket requests per hub session
  static constexpr std::chrono::minutes kAskAgain{5};  // the whole exchange again, while the hub path is up
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::string hub_host;  // where the hub's UDP port is: the host of OCKAM_HUB
    std::string hub_name;  // for log lines
    std::function<void(const SeenEndpoint&)> on_endpoint;
    // Whether this node is a member now (the hub gives members only a ticket); unset: always asks.
    std::function<bool()> member = nullptr;
  };

  static std::shared_ptr<RendezvousClient> start(Router& router, std::shared_ptr<HubPath> hub,
                                                 std::shared_ptr<UdpPort> port, Options options);
  RendezvousClient(Router& router, std::shared_ptr<HubPath> hub, std::shared_ptr<UdpPort> port, Options options);

  asio::awaitable<void> handle_message(Message message) override;
  const std::optional<SeenEndpoint>& endpoint() const { return endpoint_; }
  std::uint16_t local_port() const;
  void stop();

 private:
  asio::awaitable<void> ask_for_tickets();
  asio::awaitable<void> probe(RendezvousTicket ticket, std::uint16_t port, std::uint64_t session);
  void on_answer(ByteView datagram, const asio::ip::udp::endpoint& from);

  // The question under way: its ticket, the transaction ids asked so far (an answer to any counts), its timer.
  struct Question {
    RendezvousTicket ticket;
    std::vector<TransactionId> asked;
    asio::steady_timer* deadline = nullptr;
    bool answered = false;
  };

  Router& router_;
  std::shared_ptr<HubPath> hub_;
  Options options_;
  std::shared_ptr<UdpPort> port_;
  asio::steady_timer timer_;
  std::optional<Question> question_;
  std::optional<SeenEndpoint> endpoint_;
  std::uint64_t session_ = 0;     // counts changes of the hub path: a probe of an older session stops
  bool ticket_received_ = false;  // in this session
  int asked_ = 0;                 // ticket requests in this session
  Clock::time_point session_started_ = Clock::now();
  bool stopped_ = false;
};

}  // namespace portico::p2p
