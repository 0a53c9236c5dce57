#pragma once
// RendezvousService: the hub's side of the rendezvous (p2p/rendezvous.hpp), an asio shell.
//
//   - the worker at "rendezvous" (members only: channel/admission.cpp) answers a ticket request that came over a
//     member's channel with a ticket and the UDP port to ask on: ticket:40 port:u16be;
//   - a coroutine serves the UDP socket: each datagram is answered with the endpoint it came from, or dropped
//     (logged, rate-limited) when it is not a request under a ticket this hub issued. At most
//     Options::answers_per_second answers go out a second (a replayed request makes the hub send 51 bytes, once
//     per packet received; this bounds it), the rest are dropped and counted.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstdint>
#include <memory>

#include <asio/ip/udp.hpp>

#include "p2p/rendezvous.hpp"
#include "routing/router.hpp"

namespace portico::p2p {

inline constexpr std::string_view kRendezvousAddress = "rendezvous";
inline constexpr std::size_t kTicketAnswerBytes = kTicketWireBytes + 2;

class RendezvousService final : public Worker, public std::enable_shared_from_this<RendezvousService> {
 public:
  struct Options {
    std::chrono::seconds ticket_lifetime{120};  // a member uses its ticket within seconds
    std::size_t answers_per_second = 2000;
  };

  // Registers the worker and starts serving `socket` (bound already).
  static std::shared_ptr<RendezvousService> start(Router& router, asio::ip::udp::socket socket, Options options);
  RendezvousService(Router& router, asio::ip::udp::socket socket, Options options);

  asio::awaitable<void> handle_message(Message message) override;
  void stop();

  std::uint64_t tickets_issued() const { return tickets_; }
  std::uint64_t answered() const { return answered_; }
  std::uint64_t refused() const { return refused_; }

 private:
  asio::awaitable<void> serve();

  Router& router_;
  asio::ip::udp::socket socket_;
  Options options_;
  RendezvousIssuer issuer_;
  std::uint16_t port_;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t answers_in_window_ = 0;
  std::uint64_t tickets_ = 0, answered_ = 0, refused_ = 0;
};

}  // namespace portico::p2p
