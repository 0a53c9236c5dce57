#pragma once
// Portico as a library: a node of a fleet inside your program. It dials the hub, enrolls with a token, and then
//   - serves: a function (or a stream handler) registered under a relay name, reachable by the fleet's members
//     over an end-to-end secure channel, and by nothing else: no port is opened on this machine;
//   - calls: opens a stream (or one request/response) to whatever serves a relay name;
//   - carries TCP: inlets (a local port) and outlets (a local service), as the agent does.
// A Hub can run in-process too. Everything runs on the asio::io_context you pass, on its one thread (destroy a
// Node or Hub only after that io_context has stopped running: see stop()); the calls
// that wait are coroutines (asio::awaitable). Start-up errors throw std::runtime_error naming the option; errors
// on the network are values. docs/library.md has a complete example.
//
// This header includes only the standard library and asio.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

namespace portico {

using Attributes = std::map<std::string, std::string>;

// One end of a stream between two nodes, end-to-end encrypted and authenticated.
class Stream {
 public:
  struct Impl;
  explicit Stream(std::unique_ptr<Impl> impl);
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  // Waits for at least one byte and reads what is there: n > 0, or 0 with `ec` set (asio::error::eof at the end).
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into, std::error_code& ec);
  // Reads until the other end shuts down its sending side; more than `limit` bytes is an error (message_size).
  asio::awaitable<std::string> read_all(std::size_t limit, std::error_code& ec);
  asio::awaitable<std::error_code> write(std::string_view bytes);
  // No more writes: the other end reads end of file after what was written.
  void shutdown_send();
  // Ends the stream both ways now, as a reset: the other end sees an error. (Dropping a Stream instead ends it as
  // closing a socket does: what was written still arrives.)
  void close();
  // The verified identifier of the node at the other end ("I…"); empty on the calling side.
  const std::string& peer() const;

 private:
  std::unique_ptr<Impl> impl_;
};

struct NodeOptions {
  std::string hub;           // the hub, "host:port" (required)
  std::string data_dir;      // this node's identity, credential and pins (required; created mode 0700)
  std::string enroll;        // a token from `portico token create` (or Hub::create_token); used once
  std::string hub_identity;  // the hub's identifier to pin; default: the token's
};

struct ServiceOptions {
  std::string relay;                            // the name it is reached by (required, one per service)
  Attributes allow = {{"role", "operator"}};    // what a caller's credential must carry; empty: any member
  std::size_t max_streams_per_peer = 32;        // streams one caller may have open at once; more are refused
  std::size_t max_request_bytes = 1024 * 1024;  // add_function: a longer request is refused
  std::chrono::seconds request_timeout{30};     // add_function: the whole request within this, else refused
};

// A function as a service: the request's bytes and the caller's identifier in, the answer out. It runs on the
// io_context's thread: a slow one delays everything else this node does (hand long work to another thread).
using Function = std::function<std::string(std::string_view request, const std::string& caller)>;
// A stream handler: one call per stream, which stays valid until the handler returns; then it ends as a closed
// socket does (what was written still arrives). A handler that throws resets the stream (the caller sees an
// error) and the exception is logged.
using StreamHandler = std::function<asio::awaitable<void>(Stream& stream)>;

class Node {
 public:
  Node(asio::io_context& io, NodeOptions options);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();

  // Before start() (after it they throw): what this node serves and carries. A relay name is taken once.
  void add_function(ServiceOptions options, Function function);
  void add_service(ServiceOptions options, StreamHandler handler);
  // A local TCP port ("127.0.0.1:15432") whose connections go to whatever serves `relay`.
  void add_inlet(std::string listen, std::string relay);
  // `relay`'s streams go to the TCP service at `target` ("127.0.0.1:5432").
  void add_outlet(std::string relay, std::string target, Attributes allow = {{"role", "operator"}});
  // Called once every inlet listens and every service and outlet is registered on the hub.
  void on_ready(std::function<void()> callback);
  // Dials the hub and starts everything added.
  void start();

  // A stream to whatever serves `relay`, once it has accepted; else null, and `failure` says why (it is cleared
  // first; it must outlive the awaited call). At most 64 distinct relay names per node.
  asio::awaitable<std::unique_ptr<Stream>> connect(std::string relay, std::string& failure);
  // One request, one answer (the other end: add_function). At most `limit` bytes of answer.
  asio::awaitable<std::string> call(std::string relay, std::string request, std::string& failure,
                                    std::size_t limit = 1024 * 1024);

  // This node's identifier ("I…"): what the hub and its peers know it by.
  std::string identifier() const;
  // Stops accepting, lets open streams finish for up to `drain`, closes the rest and the hub link; then `done`
  // (every caller's, however often it is called). Some timers of the node may still be pending then: stop the
  // io_context in `done` (or after it), and destroy the Node only once io_context::run() has returned.
  void stop(std::chrono::milliseconds drain, std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HubOptions {
  std::string listen;    // "host:port"; port 0 picks one (see port())
  std::string data_dir;  // the hub's identity, relay names, tokens (required)
};

class Hub {
 public:
  Hub(asio::io_context& io, HubOptions options);
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;
  ~Hub();

  std::string identifier() const;
  std::uint16_t port() const;
  // An enrollment token for one node with `attributes` (e.g. {{"role", "operator"}}), good for `uses` enrollments
  // within `ttl`: what `portico token create` prints.
  std::string create_token(const Attributes& attributes, std::uint32_t uses = 1,
                           std::chrono::seconds ttl = std::chrono::hours(24));
  void stop(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico
