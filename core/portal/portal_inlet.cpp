#include "portal/portal_inlet.hpp"

#include <algorithm>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::portal {
namespace {
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string peer_of(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  return ec ? std::string("unknown client") : remote.address().to_string() + ":" + std::to_string(remote.port());
}
}  // namespace

PortalInlet::PortalInlet(Router& router, Route outlet_route, std::string outlet_name, PortalOptions options)
    : router_(router), outlet_route_(std::move(outlet_route)), outlet_name_(std::move(outlet_name)),
      options_(options) {}

asio::awaitable<void> PortalInlet::serve(asio::ip::tcp::acceptor& acceptor) {
  acceptor_ = &acceptor;
  // Out of descriptors (EMFILE) the next accept fails at once: pause, growing to 1 s, instead of spinning.
  auto pause = std::chrono::milliseconds(10);
  asio::steady_timer timer(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      if (auto gate = util::log_gate("inlet-accept-failed", ec.message())) {
        spdlog::warn("inlet: accept failed: {}; pausing {} ms{}", ec.message(), pause.count(), gate.suffix());
      }
      timer.expires_after(pause);
      co_await timer.async_wait(kUseTuple);
      pause = std::min(pause * 2, std::chrono::milliseconds(1000));
      continue;
    }
    pause = std::chrono::milliseconds(10);
    adopt(std::move(socket));
  }
  acceptor_ = nullptr;
}

void PortalInlet::adopt(asio::ip::tcp::socket socket) {
  const std::uint64_t id = next_id_++;
  const std::string label = "stream " + std::to_string(id) + " from " + peer_of(socket) + " to " + outlet_name_;
  auto stream = std::make_shared<PortalStream>(std::move(socket), router_, options_, label);
  streams_.add(stream);
  spdlog::debug("{} opening", label);
  asio::co_spawn(stream->executor(), open_stream(stream), asio::detached);
}

void PortalInlet::adopt(std::unique_ptr<ByteStream> connection, OnAnswer on_answer) {
  const std::uint64_t id = next_id_++;
  const std::string label = "stream " + std::to_string(id) + " from " + connection->peer() + " to " + outlet_name_;
  auto stream = std::make_shared<PortalStream>(std::move(connection), router_, options_, label);
  // Whichever comes first, the Accept (open_stream) or the stream's end, answers; the other finds it taken.
  auto answer = std::make_shared<OnAnswer>(std::move(on_answer));
  streams_.add(stream, [answer](const std::string& reason) {
    if (auto call = std::exchange(*answer, nullptr)) call(reason.empty() ? "the stream closed" : reason);
  });
  spdlog::debug("{} opening", label);
  asio::co_spawn(stream->executor(), open_stream(stream, answer), asio::detached);
}

asio::awaitable<void> PortalInlet::open_stream(std::shared_ptr<PortalStream> stream,
                                               std::shared_ptr<OnAnswer> on_answer) {
  // Shared with opening_, so route_lost never meets a dead Opening, whichever way this frame ends (an exception
  // leaves the entry behind until a stream at the same address replaces it; a frame destroyed with the
  // io_context, after this inlet, touches nothing of it).
  auto opening = std::make_shared<Opening>(co_await asio::this_coro::executor);
  opening_.insert_or_assign(stream.get(), opening);
  // The Accept ends the wait at once: an open stream keeps nothing of its opening.
  stream->on_opened([weak = std::weak_ptr<Opening>(opening), on_answer] {
    if (auto o = weak.lock()) o->answered.cancel();
    if (on_answer) {
      if (auto call = std::exchange(*on_answer, nullptr)) call("");
    }
  });
  co_await open_until_answered(*stream, *opening);
  opening_.erase(stream.get());
}

asio::awaitable<void> PortalInlet::open_until_answered(PortalStream& stream, Opening& opening) {
  for (int attempt = 1;; ++attempt) {
    Route route = outlet_route_;
    std::string peer;
    if (routes_.get) {
      OutletRoutes::Answer answer = co_await routes_.get();
      peer = std::move(answer.peer);
      if (route = std::move(answer.route); route.empty()) {
        stream.reset("no route to the outlet: " + answer.failure, false);
        co_return;
      }
      if (!stream.opening()) co_return;  // reset while the route was being found (e.g. shutting down)
    }
    opening.first_hop = route.front();
    opening.lost.clear();
    const auto sent_at = std::chrono::steady_clock::now();
    co_await stream.send_open(route, std::move(peer));
    if (opening.lost.empty()) {
      opening.answered.expires_after(options_.open_timeout);
      co_await opening.answered.async_wait(kUseTuple);
    }
    if (!stream.opening()) co_return;  // answered, refused or reset
    if (!opening.lost.empty()) {
      if (attempt < kOpenAttempts) {
        spdlog::info("{}: its route closed before the outlet answered ({}); opening it again", stream.label(),
                     opening.lost);
        continue;
      }
      stream.reset("its route closed twice before the outlet answered: " + opening.lost, false);
      co_return;
    }
    const std::string why = "no answer from the outlet within " + std::to_string(options_.open_timeout.count()) +
                            " ms (is the relay registered and its outlet online?)";
    stream.reset(why, false);
    if (routes_.failed) routes_.failed(why, sent_at);
    co_return;
  }
}

void PortalInlet::route_lost(const Address& first_hop, const std::string& why) {
  for (auto& [stream, opening] : opening_) {
    if (opening->first_hop == first_hop && opening->lost.empty()) {
      opening->lost = why;
      opening->answered.cancel();
    }
  }
  streams_.reset_via(first_hop, "its end-to-end channel closed: " + why);
}

void PortalInlet::stop_accepting() {
  if (acceptor_ != nullptr) {
    asio::error_code ignored;
    acceptor_->close(ignored);
  }
}


}  // namespace portico::portal
