#include "p2p/udp_port.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "transport/connect.hpp"
#include "util/log_limit.hpp"

namespace portico::p2p {
std::shared_ptr<UdpPort> UdpPort::open(asio::any_io_executor executor, std::error_code& error) {
  asio::ip::udp::socket socket(executor);
  socket.open(asio::ip::udp::v4(), error);
  if (!error) socket.bind(asio::ip::udp::endpoint(asio::ip::udp::v4(), 0), error);
  if (!error) socket.non_blocking(true, error);
  if (error) return nullptr;
  return std::make_shared<UdpPort>(std::move(socket));
}

void UdpPort::on_datagram(std::string_view tag, Handler handler) {
  handlers_[std::string(tag)] = std::move(handler);
  if (reading_ || !socket_.is_open()) return;
  reading_ = true;
  asio::co_spawn(socket_.get_executor(), read(), asio::detached);
}

bool UdpPort::send(ByteView datagram, const asio::ip::udp::endpoint& to) {
  std::error_code error;
  socket_.send_to(asio::buffer(datagram.data(), datagram.size()), to, 0, error);
  if (!error) return true;
  ++dropped_out_;
  if (auto gate = util::log_gate("udp-send", "all")) {
    spdlog::warn("direct paths: a datagram to {} was not sent: {}{}", to.address().to_string(), error.message(),
                 gate.suffix());
  }
  return false;
}

std::uint16_t UdpPort::local_port() const {
  std::error_code ec;
  const auto local = socket_.local_endpoint(ec);
  return ec ? 0 : local.port();
}

asio::awaitable<void> UdpPort::read() {
  auto self = shared_from_this();
  std::array<std::uint8_t, kMaxDatagram> datagram{};
  asio::ip::udp::endpoint from;
  while (auto received = co_await receive_datagram(socket_, datagram, from)) {
    const std::size_t n = *received;
    auto handler = n >= 4 ? handlers_.find(std::string_view(reinterpret_cast<const char*>(datagram.data()), 4))
                          : handlers_.end();
    if (handler == handlers_.end() && other_) {
      other_(ByteView(datagram.data(), n), from);
      continue;
    }
    if (handler == handlers_.end()) {
      ++dropped_in_;
      if (auto gate = util::log_gate("udp-unknown", "all")) {
        spdlog::warn("direct paths: dropped a datagram of {} bytes from {}: not a protocol of this port{}", n,
                     from.address().to_string(), gate.suffix());
      }
      continue;
    }
    handler->second(ByteView(datagram.data(), n), from);
  }
}

void UdpPort::close() {
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace portico::p2p
