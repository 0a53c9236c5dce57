#include "p2p/rendezvous_service.hpp"

#include <array>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "p2p/endpoints.hpp"
#include "transport/connect.hpp"
#include "util/log_limit.hpp"

namespace portico::p2p {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Ticket times: seconds of this process's monotonic clock. Tickets are checked only by the process that issued
// them (its secret dies with it), so a wall clock that jumps (a board without a real-time clock, then NTP) cannot
// expire them all at once.
std::uint64_t monotonic_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace

RendezvousService::RendezvousService(Router& router, asio::ip::udp::socket socket, Options options)
    : router_(router),
      socket_(std::move(socket)),
      options_(options),
      issuer_(RendezvousIssuer::with_random_secret()),
      port_(socket_.local_endpoint().port()) {}

std::shared_ptr<RendezvousService> RendezvousService::start(Router& router, asio::ip::udp::socket socket,
                                                           Options options) {
  auto service = std::make_shared<RendezvousService>(router, std::move(socket), options);
  router.register_worker(Address::local(std::string(kRendezvousAddress)), service);
  asio::co_spawn(service->socket_.get_executor(), service->serve(), asio::detached);
  return service;
}

asio::awaitable<void> RendezvousService::handle_message(Message message) {
  const RendezvousTicket ticket = issuer_.issue(monotonic_seconds(), options_.ticket_lifetime);
  Bytes answer = ticket.encode();
  answer.push_back(static_cast<std::uint8_t>(port_ >> 8));
  answer.push_back(static_cast<std::uint8_t>(port_ & 0xff));
  ++tickets_;
  co_await router_.send(make_reply(message, Address::local(std::string(kRendezvousAddress)), std::move(answer)));
}

asio::awaitable<void> RendezvousService::serve() {
  auto self = shared_from_this();
  std::array<std::uint8_t, 512> datagram{};
  asio::ip::udp::endpoint from;
  while (auto received = co_await receive_datagram(socket_, datagram, from)) {
    const std::size_t n = *received;
    auto answer = issuer_.answer(ByteView(datagram.data(), n), seen_of(from), monotonic_seconds());
    if (!answer) {
      ++refused_;
      // One key for all sources: spoofed source addresses must not each get a burst of lines.
      if (auto gate = util::log_gate("rendezvous-refused", "all")) {
        spdlog::warn("rendezvous: dropped a datagram of {} bytes from {}: {}{}", n, from.address().to_string(),
                     answer.error().message(), gate.suffix());
      }
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) window_start_ = now, answers_in_window_ = 0;
    if (++answers_in_window_ > options_.answers_per_second) {
      ++refused_;
      if (auto gate = util::log_gate("rendezvous-limit", "all")) {
        spdlog::warn("rendezvous: more than {} answers a second (the limit); dropped one for {}{}",
                     options_.answers_per_second, from.address().to_string(), gate.suffix());
      }
      continue;
    }
    ++answered_;
    // Answers are small and UDP sends do not block for long; one at a time keeps the order and the memory flat.
    (void)co_await socket_.async_send_to(asio::buffer(*answer), from, kUseTuple);
  }
}

void RendezvousService::stop() {
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace portico::p2p
