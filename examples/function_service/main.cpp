// A function as a service: "upper" answers each request with its text in capitals. It opens no port: only members
// of the hub whose credential says role=operator reach it, over an end-to-end secure channel through the hub.
// Usage: function_service HUB DATA_DIR [TOKEN]   (TOKEN from `portico token create` on the hub, the first time)
#include <portico/node.hpp>

#include <asio/signal_set.hpp>
#include <cctype>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: function_service HUB DATA_DIR [TOKEN]\n"), 2;
  asio::io_context io;
  portico::Node node(io, {.hub = argv[1], .data_dir = argv[2], .enroll = argc > 3 ? argv[3] : ""});
  node.add_function({.relay = "upper"}, [](std::string_view request, const std::string& caller) {
    std::string answer(request);
    for (char& c : answer) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::printf("request from %s\n", caller.c_str()), std::fflush(stdout);
    return answer;
  });
  node.on_ready([] { std::printf("serving \"upper\"\n"), std::fflush(stdout); });
  node.start();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { node.stop(std::chrono::seconds(2), [&] { io.stop(); }); });
  io.run();
}
