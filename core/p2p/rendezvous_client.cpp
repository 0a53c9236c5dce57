#include "p2p/rendezvous_client.hpp"

#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/udp.hpp>
#include <asio/use_awaitable.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "p2p/rendezvous_service.hpp"
#include "util/log_limit.hpp"

namespace portico::p2p {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

RendezvousClient::RendezvousClient(Router& router, std::shared_ptr<HubPath> hub, std::shared_ptr<UdpPort> port,
                                   Options options)
    : router_(router),
      hub_(std::move(hub)),
      options_(std::move(options)),
      port_(std::move(port)),
      timer_(hub_->executor()) {}

std::shared_ptr<RendezvousClient> RendezvousClient::start(Router& router, std::shared_ptr<HubPath> hub,
                                                         std::shared_ptr<UdpPort> port, Options options) {
  auto client = std::make_shared<RendezvousClient>(router, std::move(hub), std::move(port), std::move(options));
  router.register_worker(Address::local(std::string(kClientAddress)), client);
  std::weak_ptr<RendezvousClient> weak = client;
  client->port_->on_datagram("PRA1", [weak](ByteView datagram, const asio::ip::udp::endpoint& from) {
    if (auto self = weak.lock()) self->on_answer(datagram, from);
  });
  client->hub_->on_state_change([weak](bool up) {
    auto self = weak.lock();
    if (!self) return;
    ++self->session_;
    self->ticket_received_ = false;
    self->asked_ = 0;
    self->session_started_ = Clock::now();
    if (self->question_ && self->question_->deadline) self->question_->deadline->cancel();
    if (up) self->timer_.cancel();  // ask now rather than at the next retry tick
  });
  asio::co_spawn(client->timer_.get_executor(), client->ask_for_tickets(), asio::detached);
  return client;
}

std::uint16_t RendezvousClient::local_port() const { return port_->local_port(); }

asio::awaitable<void> RendezvousClient::ask_for_tickets() {
  auto self = shared_from_this();
  while (!stopped_) {
    if (hub_->up() && !ticket_received_ && asked_ == kTicketTries) {
      ++asked_;
      spdlog::info("direct paths: no rendezvous ticket from {} after {} requests (it offers none: OCKAM_LISTEN_UDP=off "
                   "there); streams stay on the relay; asking again in {} s",
                   options_.hub_name, kTicketTries, kAskAgain.count());
    }
    // Now and then the whole exchange again: a NAT's mapping may have changed, or the hub may offer one now.
    if (hub_->up() && asked_ > 0 && Clock::now() - session_started_ >= kAskAgain) {
      session_started_ = Clock::now();
      ticket_received_ = false;
      asked_ = 0;
    }
    const bool member = !options_.member || options_.member();  // a node still enrolling waits for its credential
    if (hub_->up() && member && !ticket_received_ && asked_ < kTicketTries) {
      ++asked_;
      Message request{hub_->route_to(kRendezvousAddress), Route(1, Address::local(std::string(kClientAddress))),
                      Bytes{'t'}};
      co_await router_.send(std::move(request));
    }
    timer_.expires_after(kTicketRetry);
    co_await timer_.async_wait(kUseTuple);
  }
}

asio::awaitable<void> RendezvousClient::handle_message(Message message) {
  // Admission lets only the hub's own "rendezvous" service answer here (channel/admission.cpp).
  if (message.payload.size() != kTicketAnswerBytes) {
    if (auto gate = util::log_gate("rendezvous-client-malformed", "hub")) {
      spdlog::warn("direct paths: malformed ticket from {} ({} bytes){}", options_.hub_name, message.payload.size(),
                   gate.suffix());
    }
    co_return;
  }
  auto ticket = RendezvousTicket::decode(ByteView(message.payload).first(kTicketWireBytes));
  if (!ticket || ticket_received_) co_return;  // one probe per hub session
  ticket_received_ = true;
  const std::uint16_t port = static_cast<std::uint16_t>((message.payload[kTicketWireBytes] << 8) |
                                                        message.payload[kTicketWireBytes + 1]);
  asio::co_spawn(timer_.get_executor(), probe(*ticket, port, session_), asio::detached);
}

asio::awaitable<void> RendezvousClient::probe(RendezvousTicket ticket, std::uint16_t port, std::uint64_t session) {
  auto self = shared_from_this();
  asio::ip::udp::resolver resolver(timer_.get_executor());
  auto [resolve_error, results] = co_await resolver.async_resolve(asio::ip::udp::v4(), options_.hub_host,
                                                                  std::to_string(port), kUseTuple);
  if (resolve_error || results.empty()) {
    spdlog::warn("direct paths: cannot resolve {} for its rendezvous port: {}; streams stay on the relay",
                 options_.hub_name, resolve_error ? resolve_error.message() : "no address");
    co_return;
  }
  if (stopped_ || session != session_) co_return;
  const asio::ip::udp::endpoint hub = *results.begin();
  asio::steady_timer deadline(timer_.get_executor());
  question_.emplace(Question{.ticket = ticket, .deadline = &deadline});
  for (int attempt = 0; attempt < kTries && !stopped_ && session == session_ && !question_->answered; ++attempt) {
    TransactionId txid{};
    randombytes_buf(txid.data(), txid.size());
    question_->asked.push_back(txid);
    if (!port_->send(make_rendezvous_request(ticket, txid), hub)) break;
    deadline.expires_after(kAnswerTimeout);
    co_await deadline.async_wait(kUseTuple);  // ends early when on_answer has the answer
  }
  const bool mine = question_ && question_->deadline == &deadline;  // not a newer session's question
  const bool answered = mine && question_->answered;
  if (mine) question_.reset();
  if (!answered && !stopped_ && session == session_) {
    spdlog::warn("direct paths: no answer from {}'s rendezvous port udp/{} after {} tries (UDP blocked on the way?); "
                 "streams stay on the relay", options_.hub_name, port, kTries);
  }
}

void RendezvousClient::on_answer(ByteView datagram, const asio::ip::udp::endpoint& from) {
  if (!question_ || question_->answered) return;  // late, or nothing asked: nothing to learn from it
  // The MAC and the transaction id are the check (a hub with several addresses may answer from another).
  Result<SeenEndpoint> seen = RendezvousError::wrong_transaction;
  for (const auto& id : question_->asked) {
    seen = read_rendezvous_answer(datagram, question_->ticket, id);
    if (seen || seen.error() != std::error_code(RendezvousError::wrong_transaction)) break;
  }
  if (!seen) {
    if (auto gate = util::log_gate("rendezvous-answer", "hub")) {
      spdlog::warn("direct paths: dropped an answer from {}: {}{}", from.address().to_string(), seen.error().message(),
                   gate.suffix());
    }
    return;
  }
  question_->answered = true;
  question_->deadline->cancel();
  if (!endpoint_ || !(*endpoint_ == *seen)) {
    spdlog::info("direct paths: this node's public UDP endpoint is {} (as {} sees it; local port {})",
                 seen->to_string(), options_.hub_name, local_port());
  }
  endpoint_ = *seen;
  if (options_.on_endpoint) options_.on_endpoint(*seen);
}

void RendezvousClient::stop() {
  stopped_ = true;
  timer_.cancel();
  if (question_ && question_->deadline) question_->deadline->cancel();
}

}  // namespace portico::p2p
