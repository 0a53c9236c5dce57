#pragma once
// UdpPort: a node's one UDP socket for direct paths, an asio shell. The rendezvous asks the hub from it (so the
// endpoint learnt is the one peers must reach) and the path prober punches from it. One coroutine reads; each
// datagram goes to the handler registered for its first four bytes ("PRA1": rendezvous answers, "PPB1": path
// probes); anything else is dropped and counted. Sends never wait: a datagram the kernel will not take at once
// is dropped and counted (UDP may lose it anyway; every sender here retries on its own schedule).
//
// Thread safety: none; one io_context thread.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>

#include "wire/bytes.hpp"

namespace portico::p2p {

class UdpPort : public std::enable_shared_from_this<UdpPort> {
 public:
  static constexpr std::size_t kMaxDatagram = 1500;
  using Handler = std::function<void(ByteView datagram, const asio::ip::udp::endpoint& from)>;

  // Bound to 0.0.0.0:0 (IPv4, any port), or why not (logged by the caller).
  static std::shared_ptr<UdpPort> open(asio::any_io_executor executor, std::error_code& error);
  explicit UdpPort(asio::ip::udp::socket socket) : socket_(std::move(socket)) {}

  // `tag` is the first four bytes of the datagrams for `handler`. Starts reading at the first registration.
  void on_datagram(std::string_view tag, Handler handler);
  // Datagrams with no tag's handler (QUIC packets) go here; without one they are dropped and counted.
  void on_other(Handler handler) { other_ = std::move(handler); }
  // False when the datagram was not sent at once (dropped).
  bool send(ByteView datagram, const asio::ip::udp::endpoint& to);
  std::uint16_t local_port() const;
  asio::any_io_executor executor() { return socket_.get_executor(); }
  void close();

  std::uint64_t dropped_in() const { return dropped_in_; }
  std::uint64_t dropped_out() const { return dropped_out_; }

 private:
  asio::awaitable<void> read();

  asio::ip::udp::socket socket_;
  std::map<std::string, Handler, std::less<>> handlers_;
  Handler other_;
  bool reading_ = false;
  std::uint64_t dropped_in_ = 0, dropped_out_ = 0;
};

}  // namespace portico::p2p
