#include "transport/tcp_transport.hpp"

#include <asio/post.hpp>

#include <algorithm>

#include <asio/experimental/as_tuple.hpp>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "transport/connect.hpp"
#include "util/log_limit.hpp"
#include "transport/endpoint.hpp"

namespace portico {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
// After the first failure, a link that keeps failing to connect logs only every this many attempts.
constexpr int kLogEveryNthFailure = 10;

std::string endpoint_text(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return HostPort{remote.address().to_string(), remote.port()}.to_string();
}

}  // namespace

TcpTransport::TcpTransport(asio::any_io_executor executor, Router& router, TcpOptions options)
    : executor_(std::move(executor)), router_(router), options_(options) {}

TcpTransport::~TcpTransport() { stop(); }

asio::awaitable<std::error_code> TcpTransport::send(Message message) {
  const std::string peer = message.onward.front().value;
  message.onward.erase(message.onward.begin());
  if (stopped_) co_return routing::Error::link_closed;
  auto link = connect(peer);
  auto ec = link->enqueue(std::move(message));
  if (ec == routing::Error::link_closed) spdlog::warn("dropped message for tcp peer {}: {}", peer, ec.message());
  co_return ec;
}

std::shared_ptr<TcpLink> TcpTransport::connect(const std::string& host_port) {
  if (auto it = dialled_.find(host_port); it != dialled_.end()) return it->second;
  auto link = std::make_shared<TcpLink>(executor_, router_, random_local_address("tcp-out"), host_port, options_);
  dialled_.emplace(host_port, link);
  router_.register_worker(link->address(), link);
  if (stopped_) {
    link->close();
  } else {
    asio::co_spawn(executor_, keep_connected(link), asio::detached);
  }
  return link;
}

asio::awaitable<void> TcpTransport::keep_connected(std::shared_ptr<TcpLink> link) {
  Backoff backoff(options_.backoff);
  int failures = 0;
  while (!link->closed()) {
    auto socket = co_await connect_tcp(link->peer(), options_.connect_timeout);
    if (link->closed()) break;
    if (socket) {
      if (failures > 0) spdlog::info("link to {} is back after {} failed attempts", link->peer(), failures);
      spdlog::info("link {} to {} up", link->address().value, link->peer());
      failures = 0;
      backoff.reset();
      auto why = co_await link->run_session(std::move(*socket));
      if (link->closed()) break;
      spdlog::warn("link {} to {} down: {}", link->address().value, link->peer(), why.message());
    }
    const auto delay = backoff.next();
    if (!socket && failures++ % kLogEveryNthFailure == 0) {
      spdlog::warn("cannot connect to {}: {}; retrying in {} ms (attempt {})", link->peer(),
                   socket.error().message(), delay.count(), failures);
    }
    co_await link->pause_for(delay);
  }
  router_.unregister_worker(link->address());
}

asio::awaitable<void> TcpTransport::serve(asio::ip::tcp::acceptor& acceptor) {
  acceptors_.push_back(&acceptor);
  auto pause = kAcceptPauseMin;
  asio::steady_timer timer(executor_);
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec == asio::error::operation_aborted || stopped_) break;
    if (ec) {
      // Out of descriptors (EMFILE) the connection stays in the backlog and the next accept fails at once:
      // pause, growing to kAcceptPauseMax, rather than spin and log each failure.
      if (auto gate = util::log_gate("accept-failed", ec.message())) {
        spdlog::warn("accept failed: {}; pausing {} ms ({} connections open){}", ec.message(), pause.count(),
                     gate_.total(), gate.suffix());
      }
      timer.expires_after(pause);
      co_await timer.async_wait(kUseTuple);
      pause = std::min(pause * 2, kAcceptPauseMax);
      continue;
    }
    pause = kAcceptPauseMin;
    asio::error_code remote_ec;
    const auto remote = socket.remote_endpoint(remote_ec);
    const std::string source = remote_ec ? std::string("unknown") : remote.address().to_string();
    if (const auto verdict = gate_.admit(source); verdict != ConnectionVerdict::admit) {
      if (auto gate = util::log_gate("connection-refused", source)) {
        spdlog::warn("closed a new connection from {}: {} ({} open in all, {} from it){}", source, describe(verdict),
                     gate_.total(), gate_.from(source), gate.suffix());
      }
      continue;  // `socket` closes as it goes out of scope
    }
    gated_[adopt_link(std::move(socket)).value] = source;
  }
  std::erase(acceptors_, &acceptor);
}

void TcpTransport::adopt(asio::ip::tcp::socket socket) { adopt_link(std::move(socket)); }

Address TcpTransport::adopt_link(asio::ip::tcp::socket socket) {
  auto link = std::make_shared<TcpLink>(executor_, router_, random_local_address("tcp-in"),
                                        endpoint_text(socket), options_);
  router_.register_worker(link->address(), link);
  accepted_.emplace(link->address().value, link);
  asio::co_spawn(executor_, run_accepted(link, std::move(socket)), asio::detached);
  return link->address();
}

asio::awaitable<void> TcpTransport::run_accepted(std::shared_ptr<TcpLink> link, asio::ip::tcp::socket socket) {
  // Anyone may connect: the lines about accepted links are rate-limited per source address.
  const std::string source = link->peer().substr(0, link->peer().rfind(':'));
  if (auto gate = util::log_gate("link-up", source)) {
    spdlog::info("link {} from {} up{}", link->address().value, link->peer(), gate.suffix());
  }
  auto why = co_await link->run_session(std::move(socket));
  if (why == asio::error::eof) {
    if (auto gate = util::log_gate("link-closed", source)) {
      spdlog::info("link {} from {} closed by peer{}", link->address().value, link->peer(), gate.suffix());
    }
  } else if (!link->closed()) {
    if (auto gate = util::log_gate("link-failed", source)) {
      spdlog::warn("link {} from {} closed: {}{}", link->address().value, link->peer(), why.message(), gate.suffix());
    }
  }
  link->close();
  router_.unregister_worker(link->address());
  accepted_.erase(link->address().value);
  if (auto it = gated_.find(link->address().value); it != gated_.end()) {
    gate_.release(it->second);
    gated_.erase(it);
  }
  if (on_closed_) on_closed_(link->address());
}

void TcpTransport::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto* acceptor : acceptors_) {
    asio::error_code ignored;
    acceptor->close(ignored);
  }
  for (auto& [peer, link] : dialled_) link->close();
  for (auto& [address, link] : accepted_) link->close();
}

void TcpTransport::stop(std::chrono::milliseconds flush, std::function<void()> stopped) {
  if (stopped_ || on_stopped_) {
    if (stopped) asio::post(executor_, std::move(stopped));
    return;
  }
  for (auto* acceptor : acceptors_) {
    asio::error_code ignored;
    acceptor->close(ignored);
  }
  on_stopped_ = std::move(stopped);
  flush_timer_ = std::make_unique<asio::steady_timer>(executor_, flush);
  // Both callbacks may run after this transport is gone (a link outlives it in a session): they check `alive_`.
  flush_timer_->async_wait([this, alive = std::weak_ptr<bool>(alive_)](const asio::error_code&) {
    if (alive.expired()) return;
    stop();
    if (auto done = std::exchange(on_stopped_, nullptr)) done();
  });
  // The timer ends the wait when the last link has closed (or at `flush`, closing the rest).
  auto open = std::make_shared<std::size_t>(dialled_.size() + accepted_.size());
  auto closed_one = [this, open, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired() && --*open == 0 && flush_timer_) flush_timer_->cancel();
  };
  if (*open == 0) flush_timer_->cancel();
  for (auto& [peer, link] : dialled_) link->close_when_sent(closed_one);
  for (auto& [address, link] : accepted_) link->close_when_sent(closed_one);
}

}  // namespace portico
