#include "p2p/rendezvous_client.hpp"

#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/udp.hpp>
#include <asio/use_awaitable.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "p2p/rendezvous_service.hpp"
#include "util/log_limit.hpp"

namespace portico::p2p {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

RendezvousClient::RendezvousClient(Router& router, std::shared_ptr<HubPath> hub, Options options)
    : router_(router),
      hub_(std::move(hub)),
      options_(std::move(options)),
      socket_(hub_->executor()),
      timer_(hub_->executor()) {
  std::error_code ec;
  socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) socket_.bind(asio::ip::udp::endpoint(asio::ip::udp::v4(), 0), ec);
  if (ec) spdlog::warn("direct paths: cannot open a UDP socket: {}; streams stay on the relay", ec.message());
}

std::shared_ptr<RendezvousClient> RendezvousClient::start(Router& router, std::shared_ptr<HubPath> hub,
                                                         Options options) {
  auto client = std::make_shared<RendezvousClient>(router, std::move(hub), std::move(options));
  router.register_worker(Address::local(std::string(kClientAddress)), client);
  std::weak_ptr<RendezvousClient> weak = client;
  client->hub_->on_state_change([weak](bool up) {
    auto self = weak.lock();
    if (!self) return;
    ++self->session_;
    self->ticket_received_ = false;
    self->asked_ = 0;
    self->session_started_ = Clock::now();
    if (up) self->timer_.cancel();  // ask now rather than at the next retry tick
  });
  asio::co_spawn(client->timer_.get_executor(), client->ask_for_tickets(), asio::detached);
  return client;
}

std::uint16_t RendezvousClient::local_port() const {
  std::error_code ec;
  const auto local = socket_.local_endpoint(ec);
  return ec ? 0 : local.port();
}

asio::awaitable<void> RendezvousClient::ask_for_tickets() {
  auto self = shared_from_this();
  while (!stopped_ && socket_.is_open()) {
    if (hub_->up() && !ticket_received_ && asked_ == kTicketTries) {
      ++asked_;
      spdlog::info("direct paths: no rendezvous ticket from {} after {} requests (it offers none: OCKAM_LISTEN_UDP=off "
                   "there; or this node is not a member yet); streams stay on the relay; asking again in {} s",
                   options_.hub_name, kTicketTries, kAskAgain.count());
    }
    // Now and then the whole exchange again: a NAT's mapping may have changed, or the hub may offer one now.
    if (hub_->up() && asked_ > 0 && Clock::now() - session_started_ >= kAskAgain) {
      session_started_ = Clock::now();
      ticket_received_ = false;
      asked_ = 0;
    }
    if (hub_->up() && !ticket_received_ && asked_ < kTicketTries) {
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
  asio::co_spawn(socket_.get_executor(), probe(*ticket, port, session_), asio::detached);
}

asio::awaitable<void> RendezvousClient::probe(RendezvousTicket ticket, std::uint16_t port, std::uint64_t session) {
  auto self = shared_from_this();
  asio::ip::udp::resolver resolver(socket_.get_executor());
  auto [resolve_error, results] = co_await resolver.async_resolve(asio::ip::udp::v4(), options_.hub_host,
                                                                  std::to_string(port), kUseTuple);
  if (resolve_error || results.empty()) {
    spdlog::warn("direct paths: cannot resolve {} for its rendezvous port: {}; streams stay on the relay",
                 options_.hub_name, resolve_error ? resolve_error.message() : "no address");
    co_return;
  }
  const asio::ip::udp::endpoint hub = *results.begin();
  std::array<std::uint8_t, 128> datagram{};
  asio::steady_timer deadline(socket_.get_executor());
  std::vector<TransactionId> asked;  // an answer to any try counts (a round trip may be longer than a try)
  for (int attempt = 0; attempt < kTries && !stopped_ && session == session_; ++attempt) {
    TransactionId txid{};
    randombytes_buf(txid.data(), txid.size());
    asked.push_back(txid);
    const Bytes request = make_rendezvous_request(ticket, txid);
    auto [send_error, sent] = co_await socket_.async_send_to(asio::buffer(request), hub, kUseTuple);
    if (send_error) break;
    deadline.expires_after(kAnswerTimeout);
    // Wait for this question's answer; anything else arriving meanwhile (not from the hub, forged, late) is dropped.
    for (;;) {
      asio::ip::udp::endpoint from;
      auto outcome = co_await (socket_.async_receive_from(asio::buffer(datagram), from, kUseTuple) ||
                               deadline.async_wait(kUseTuple));
      if (outcome.index() == 1) break;  // timed out: ask again
      auto [ec, n] = std::get<0>(outcome);
      if (ec) break;
      if (session != session_) co_return;  // the hub path changed meanwhile: a newer probe asks
      // The MAC and the transaction id are the check (a hub with several addresses may answer from another).
      Result<SeenEndpoint> seen = RendezvousError::wrong_transaction;
      for (const auto& id : asked) {
        seen = read_rendezvous_answer(ByteView(datagram.data(), n), ticket, id);
        if (seen || seen.error() != std::error_code(RendezvousError::wrong_transaction)) break;
      }
      if (!seen) {
        if (auto gate = util::log_gate("rendezvous-answer", "hub")) {
          spdlog::warn("direct paths: dropped an answer from {}: {}{}", hub.address().to_string(),
                       seen.error().message(), gate.suffix());
        }
        continue;
      }
      if (!endpoint_ || !(*endpoint_ == *seen)) {
        spdlog::info("direct paths: this node's public UDP endpoint is {} (as {} sees it; local port {})",
                     seen->to_string(), options_.hub_name, local_port());
      }
      endpoint_ = *seen;
      if (options_.on_endpoint) options_.on_endpoint(*seen);
      co_return;
    }
  }
  if (!stopped_ && session == session_) {
    spdlog::warn("direct paths: no answer from {}'s rendezvous port udp/{} after {} tries (UDP blocked on the way?); "
                 "streams stay on the relay", options_.hub_name, port, kTries);
  }
}

void RendezvousClient::stop() {
  stopped_ = true;
  timer_.cancel();
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace portico::p2p
