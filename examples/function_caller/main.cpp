// Calls the "upper" service (function_service) over an end-to-end secure channel and prints its answer.
// Usage: function_caller HUB DATA_DIR TEXT [TOKEN]   (TOKEN: an operator's, from `portico token create role=operator`)
#include <portico/node.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: function_caller HUB DATA_DIR TEXT [TOKEN]\n"), 2;
  asio::io_context io;
  portico::Node node(io, {.hub = argv[1], .data_dir = argv[2], .enroll = argc > 4 ? argv[4] : ""});
  node.start();
  int status = 1;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    std::string failure;
    const std::string answer = co_await node.call("upper", argv[3], failure);
    if (failure.empty()) status = 0, std::printf("%s\n", answer.c_str());
    else std::fprintf(stderr, "function_caller: %s\n", failure.c_str());
    node.stop(std::chrono::seconds(0), [&] { io.stop(); });
  }, asio::detached);
  io.run();
  return status;
}
