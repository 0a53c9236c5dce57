// The library API (portico/node.hpp): option strings parsed into node/options.hpp, in-process services and calls
// as memory streams carried by MemberNode's portals, HubNode behind Hub.

#include "portico/node.hpp"

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "identity/enrollment_token.hpp"
#include "identity/token_store.hpp"
#include "identity/vault.hpp"
#include "node/hub_node.hpp"
#include "node/member_node.hpp"
#include "transport/connect.hpp"
#include "transport/memory_stream.hpp"
#include "util/log_limit.hpp"

namespace portico {

using namespace asio::experimental::awaitable_operators;

namespace {

// Each direction of an in-process stream buffers this much (what a socket's kernel buffers would).
constexpr std::size_t kMemoryStreamBytes = 64 * 1024;
// How long connect() waits for a node that has just started to become a member of its hub.
constexpr std::chrono::seconds kJoinTimeout{10};

// Log lines go to spdlog's default logger. A program that has not set one of its own gets them on stderr, not
// mixed into its stdout (spdlog's stock default).
void log_to_stderr_unless_configured() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto current = spdlog::default_logger();
    if (current && !current->name().empty()) return;
    auto logger = spdlog::get("portico");
    if (!logger) logger = spdlog::stderr_color_mt("portico");
    if (current) logger->set_level(current->level());
    spdlog::set_default_logger(std::move(logger));
  });
}

HostPort parse_address(const std::string& text, const char* option) {
  auto parsed = HostPort::parse(text);
  if (!parsed) throw std::runtime_error(std::string(option) + ": not host:port: '" + text + "'");
  return *parsed;
}

identity::Identity load_identity(const std::string& data_dir, const char* who) {
  if (data_dir.empty()) throw std::runtime_error(std::string(who) + ": data_dir is required");
  auto loaded = identity::Vault(data_dir).load_or_create_identity();
  if (!loaded) {
    throw std::runtime_error(std::string(who) + ": data_dir: cannot keep the identity in " + data_dir + ": " +
                             loaded.error().message());
  }
  return std::move(*loaded);
}

}  // namespace

// ---- Stream

struct Stream::Impl {
  std::unique_ptr<MemoryStream> stream;
  std::string peer;
};

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
// Dropping a stream ends it as closing a socket would: what was written still arrives.
Stream::~Stream() {
  if (impl_ && impl_->stream) impl_->stream->close();
}

asio::awaitable<std::size_t> Stream::read_some(std::span<std::uint8_t> into, std::error_code& ec) {
  auto [error, n] = co_await impl_->stream->read_some(into);
  ec = error;
  co_return n;
}

asio::awaitable<std::string> Stream::read_all(std::size_t limit, std::error_code& ec) {
  std::string all;
  std::uint8_t chunk[16 * 1024];
  for (;;) {
    auto [error, n] = co_await impl_->stream->read_some(chunk);
    if (error == asio::error::eof) {
      ec = {};
      co_return all;
    }
    if (error) {
      ec = error;
      co_return all;
    }
    if (all.size() + n > limit) {
      ec = std::make_error_code(std::errc::message_size);
      co_return all;
    }
    all.append(reinterpret_cast<const char*>(chunk), n);
  }
}

asio::awaitable<std::error_code> Stream::write(std::string_view bytes) {
  const asio::const_buffer buffer(bytes.data(), bytes.size());
  co_return co_await impl_->stream->write_all({&buffer, 1});
}

void Stream::shutdown_send() { impl_->stream->shutdown_send(); }
void Stream::close() { impl_->stream->reset(); }
const std::string& Stream::peer() const { return impl_->peer; }

// ---- Node

namespace {

// Runs a service's handler on one stream. A handler that throws resets the stream, so the caller sees an error
// rather than a clean end (and the exception ends here, with a log line, not in io_context::run()).
asio::awaitable<void> serve_stream(StreamHandler handler, Stream stream) {
  std::string failed;
  try {
    co_await handler(stream);
  } catch (const std::exception& e) {
    failed = e.what();
  } catch (...) {
    failed = "an exception that is not a std::exception";
  }
  if (failed.empty()) co_return;
  if (auto gate = util::log_gate("service-threw", "")) {
    spdlog::error("a service handler for a stream from {} threw: {}{}", stream.peer(), failed, gate.suffix());
  }
  stream.close();
}

}  // namespace

struct Node::Impl {
  asio::io_context& io;
  node::MemberOptions options;
  std::optional<identity::Identity> me;
  std::vector<node::InletSpec> inlets;
  std::vector<node::OutletSpec> outlets;
  std::function<void()> on_ready;
  std::unique_ptr<node::MemberNode> member;
  bool stopping = false;
};

Node::Node(asio::io_context& io, NodeOptions options) : impl_(std::make_unique<Impl>(Impl{.io = io})) {
  log_to_stderr_unless_configured();
  auto& o = impl_->options;
  o.hub = parse_address(options.hub, "NodeOptions::hub");
  o.data_dir = options.data_dir;
  if (!options.enroll.empty()) {
    auto token = identity::parse_enrollment_token(options.enroll);
    if (!token) throw std::runtime_error("NodeOptions::enroll: not an enrollment token (from `portico token create`)");
    o.enroll = *token;
  }
  if (!options.hub_identity.empty()) o.hub_identity = options.hub_identity;
  impl_->me = load_identity(options.data_dir, "NodeOptions");
}

Node::~Node() = default;

void Node::add_service(ServiceOptions options, StreamHandler handler) {
  if (impl_->member) throw std::runtime_error("Node::add_service: the node has started (add before start())");
  if (options.relay.empty()) throw std::runtime_error("ServiceOptions::relay is required");
  for (const auto& o : impl_->outlets) {
    if (o.name == options.relay) throw std::runtime_error("ServiceOptions::relay: \"" + options.relay + "\" is taken");
  }
  node::OutletSpec spec;
  spec.options.relay = options.relay;
  spec.options.allow = options.allow;
  spec.options.allow_is_default = false;
  spec.options.max_streams_per_peer = options.max_streams_per_peer;
  spec.name = options.relay;
  spec.target_text = "service \"" + options.relay + "\"";
  // Each stream: a memory pair, one end carried by the outlet's portal stream, the other given to the handler.
  spec.connector = [&io = impl_->io, handler = std::move(handler)](
                       const std::string& peer) -> asio::awaitable<Result<std::unique_ptr<ByteStream>>> {
    auto [carried, given] = make_memory_pair(io.get_executor(), kMemoryStreamBytes);
    Stream stream(std::make_unique<Stream::Impl>(Stream::Impl{std::move(given), peer}));
    asio::co_spawn(io, serve_stream(handler, std::move(stream)), asio::detached);
    co_return std::unique_ptr<ByteStream>(std::move(carried));
  };
  impl_->outlets.push_back(std::move(spec));
}

void Node::add_function(ServiceOptions options, Function function) {
  const std::size_t limit = options.max_request_bytes;
  const auto timeout = options.request_timeout;
  auto serve = [function = std::move(function), limit, timeout](Stream& stream) -> asio::awaitable<void> {
    // The whole request within request_timeout: a caller that never ends its request holds no slot for long.
    std::error_code ec;
    asio::steady_timer deadline(co_await asio::this_coro::executor, timeout);
    auto read = co_await (stream.read_all(limit, ec) || deadline.async_wait(asio::use_awaitable));
    if (read.index() == 1 || ec) {
      const std::string why = read.index() == 1 ? "not complete within request_timeout"
                              : ec == std::errc::message_size ? "longer than max_request_bytes"
                                                              : ec.message();
      if (auto gate = util::log_gate("service-request", stream.peer())) {
        spdlog::warn("service: dropped a request from {}: {}{}", stream.peer(), why, gate.suffix());
      }
      stream.close();
      co_return;
    }
    const std::string answer = function(std::get<0>(read), stream.peer());
    co_await stream.write(answer);
    stream.shutdown_send();
  };
  add_service(std::move(options), std::move(serve));
}

void Node::add_inlet(std::string listen, std::string relay) {
  if (impl_->member) throw std::runtime_error("Node::add_inlet: the node has started (add before start())");
  node::InletSpec spec;
  spec.options.listen = parse_address(listen, "add_inlet listen");
  spec.options.relay = std::move(relay);
  auto acceptor = listen_tcp(impl_->io, spec.options.listen);
  if (!acceptor) throw std::runtime_error("add_inlet: cannot listen on " + listen + ": " + acceptor.error().message());
  spec.acceptor = std::move(*acceptor);
  impl_->inlets.push_back(std::move(spec));
}

void Node::add_outlet(std::string relay, std::string target, Attributes allow) {
  if (impl_->member) throw std::runtime_error("Node::add_outlet: the node has started (add before start())");
  for (const auto& o : impl_->outlets) {
    if (o.name == relay) throw std::runtime_error("add_outlet: relay \"" + relay + "\" is taken");
  }
  node::OutletSpec spec;
  spec.options.relay = relay;
  spec.options.target = parse_address(target, "add_outlet target");
  spec.options.allow = std::move(allow);
  spec.options.allow_is_default = false;
  spec.name = std::move(relay);
  impl_->outlets.push_back(std::move(spec));
}

void Node::on_ready(std::function<void()> callback) { impl_->on_ready = std::move(callback); }

void Node::start() {
  if (impl_->member) throw std::runtime_error("Node::start: already started");
  auto trust = node::load_trust(impl_->options.hub_identity, impl_->options.enroll,
                                identity::Vault(impl_->options.data_dir));
  if (!trust) {
    throw std::runtime_error("NodeOptions::enroll: this node is not enrolled and knows no hub identity; give it a "
                             "token from `portico token create`");
  }
  impl_->member = std::make_unique<node::MemberNode>(
      impl_->io, node::MemberParts{.options = impl_->options, .me = *impl_->me, .trust = std::move(*trust),
                                   .inlets = std::move(impl_->inlets), .outlets = std::move(impl_->outlets),
                                   .on_ready = impl_->on_ready});
  impl_->member->start();
}

asio::awaitable<std::unique_ptr<Stream>> Node::connect(std::string relay, std::string& failure) {
  failure.clear();
  if (!impl_->member) {
    failure = "the node has not started";
    co_return nullptr;
  }
  // A node just started is not a member of its hub yet (channel, enrollment): wait for that, for a while.
  if (!impl_->member->member()) {
    auto joined = std::make_shared<asio::steady_timer>(impl_->io, kJoinTimeout);
    impl_->member->when_member(joined);
    co_await joined->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (impl_->stopping) {
      failure = "the node is shutting down";
      co_return nullptr;
    }
    if (!impl_->member->member()) {
      failure = "not a member of hub " + impl_->options.hub.to_string() + " within " +
                std::to_string(kJoinTimeout.count()) + " s (is it running? was the node given a valid token?)";
      co_return nullptr;
    }
  }
  // Waits for the far end's answer: the timer never runs out by itself, the answer cancels it.
  struct Answer {
    explicit Answer(asio::any_io_executor executor) : arrived(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer arrived;
    std::optional<std::string> failure;
  };
  auto answer = std::make_shared<Answer>(impl_->io.get_executor());
  auto [carried, given] = make_memory_pair(impl_->io.get_executor(), kMemoryStreamBytes);
  impl_->member->connect(relay, std::move(carried), [answer](const std::string& why) {
    answer->failure = why;
    answer->arrived.cancel();
  });
  if (!answer->failure) co_await answer->arrived.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (!answer->failure || !answer->failure->empty()) {
    failure = answer->failure.value_or("no answer");
    co_return nullptr;
  }
  co_return std::make_unique<Stream>(std::make_unique<Stream::Impl>(Stream::Impl{std::move(given), {}}));
}

asio::awaitable<std::string> Node::call(std::string relay, std::string request, std::string& failure,
                                        std::size_t limit) {
  failure.clear();
  auto stream = co_await connect(relay, failure);
  if (!stream) co_return std::string();
  if (auto ec = co_await stream->write(request)) {
    failure = "cannot send the request: " + ec.message();
    co_return std::string();
  }
  stream->shutdown_send();
  std::error_code ec;
  std::string answer = co_await stream->read_all(limit, ec);
  if (ec) failure = "no complete answer: " + ec.message();
  co_return answer;
}

std::string Node::identifier() const { return impl_->me->identifier(); }

void Node::stop(std::chrono::milliseconds drain, std::function<void()> done) {
  if (!impl_->member) {
    if (done) asio::post(impl_->io, std::move(done));
    return;
  }
  impl_->stopping = true;
  impl_->member->shutdown(drain, done ? std::move(done) : [] {});
}

// ---- Hub

struct Hub::Impl {
  std::string data_dir;
  std::uint16_t port = 0;
  std::unique_ptr<node::HubNode> hub;
};

Hub::Hub(asio::io_context& io, HubOptions options) : impl_(std::make_unique<Impl>()) {
  log_to_stderr_unless_configured();
  // Port 0 (any free port, see port()) is fine for a listener; HostPort::parse takes only ports that can be dialled.
  const bool any_port = options.listen.ends_with(":0");
  HostPort listen = parse_address(any_port ? options.listen.substr(0, options.listen.size() - 1) + "1" : options.listen,
                                  "HubOptions::listen");
  if (any_port) listen.port = 0;
  auto me = load_identity(options.data_dir, "HubOptions");
  auto acceptor = listen_tcp(io, listen);
  if (!acceptor) {
    throw std::runtime_error("HubOptions::listen: cannot listen on " + options.listen + ": " +
                             acceptor.error().message());
  }
  impl_->data_dir = options.data_dir;
  impl_->hub = std::make_unique<node::HubNode>(io, node::HubOptions{.listen = listen, .data_dir = options.data_dir},
                                               std::move(me), std::move(*acceptor));
  impl_->hub->start();
  impl_->port = impl_->hub->port();
}

Hub::~Hub() = default;

std::string Hub::identifier() const { return impl_->hub->identifier(); }
std::uint16_t Hub::port() const { return impl_->port; }

std::string Hub::create_token(const Attributes& attributes, std::uint32_t uses, std::chrono::seconds ttl) {
  const identity::TokenStore store(impl_->data_dir);
  const std::uint64_t expires_at = identity::system_now() + static_cast<std::uint64_t>(ttl.count());
  auto secret = store.create(attributes, uses, expires_at);
  if (!secret) throw std::runtime_error("Hub::create_token: cannot store the token: " + secret.error().message());
  return identity::format_enrollment_token({impl_->hub->identifier(), *secret});
}

void Hub::stop(std::function<void()> done) { impl_->hub->shutdown(done ? std::move(done) : [] {}); }

}  // namespace portico
