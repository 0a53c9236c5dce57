// An inlet inside a program: a local TCP port whose connections reach whatever serves RELAY (an outlet's service,
// or a program's function such as function_service's "upper"), end-to-end encrypted through the hub.
// Usage: inlet HUB DATA_DIR LISTEN RELAY [TOKEN]   e.g. inlet hub:4000 /tmp/inlet 127.0.0.1:15432 pg-1
#include <portico/node.hpp>

#include <asio/signal_set.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 5) return std::fprintf(stderr, "usage: inlet HUB DATA_DIR LISTEN RELAY [TOKEN]\n"), 2;
  asio::io_context io;
  portico::Node node(io, {.hub = argv[1], .data_dir = argv[2], .enroll = argc > 5 ? argv[5] : ""});
  node.add_inlet(argv[3], argv[4]);
  node.on_ready([&] { std::printf("listening on %s -> relay \"%s\"\n", argv[3], argv[4]), std::fflush(stdout); });
  node.start();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { node.stop(std::chrono::seconds(2), [&] { io.stop(); }); });
  io.run();
}
