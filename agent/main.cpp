// portico: the agent binary. Configuration and wiring only; everything it runs lives in core/.
//
//   portico                       run the role the environment chooses (see README.md)
//   portico send ROUTE TEXT [N]   send TEXT along ROUTE N times and print each reply
//   portico health [--ready]      ask the agent this environment configures whether it serves (with --ready:
//                                 whether its hub link is up and its relay registered); exit 0/1
//   portico token [--uses N] [--ttl DURATION] [key=value ...]   create an enrollment token (on the hub)
//   portico revoke IDENTIFIER | --list           revoke a member (on the hub), or list the revoked
//   portico relay release NAME | forget NAME      free a relay name (hub) / forget its pinned owner (inlet)
//   portico version

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "admin_commands.hpp"
#include "commands.hpp"
#include "health.hpp"
#include "token_command.hpp"

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "version" || command == "--version") {
    std::printf("portico %s\n", PORTICO_VERSION);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::printf("usage: portico                       run the role set by OCKAM_* variables\n"
                "       portico send ROUTE TEXT [N]   send TEXT along ROUTE (e.g. 1#127.0.0.1:4000,echo)\n"
                "       portico health [--ready]      is the agent with this environment serving? (exit 0 or 1)\n"
                "                                     --ready: and is its hub link up, its relay registered?\n"
                "       portico token [--uses N] [--ttl DURATION] [key=value ...]\n"
                "                                     create an enrollment token with the hub's OCKAM_DATA\n"
                "       portico revoke IDENTIFIER | --list   revoke a member with the hub's OCKAM_DATA\n"
                "       portico relay release NAME    free a relay name for a new owner (hub's OCKAM_DATA)\n"
                "       portico relay forget NAME     forget the outlet identity pinned for NAME (inlet's OCKAM_DATA)\n"
                "       portico version\n");
    return 0;
  }
  if (command == "health") {
    const std::string option = argc > 2 ? argv[2] : "";
    if (argc > 3 || (!option.empty() && option != "--ready")) {
      std::fprintf(stderr, "usage: portico health [--ready]\n");
      return portico::agent::exit_code::kUsage;
    }
    return portico::agent::run_health(option == "--ready");
  }
  if (command == "revoke") return portico::agent::run_revoke(std::vector<std::string>(argv + 2, argv + argc));
  if (command == "relay") return portico::agent::run_relay(std::vector<std::string>(argv + 2, argv + argc));
  if (command == "token") return portico::agent::run_token(std::vector<std::string>(argv + 2, argv + argc));
  if (command == "send") {
    if (argc < 4 || argc > 5) {
      std::fprintf(stderr, "usage: portico send ROUTE TEXT [COUNT]\n");
      return portico::agent::exit_code::kUsage;
    }
    return portico::agent::run_send(argv[2], argv[3], argc == 5 ? std::atoi(argv[4]) : 1);
  }
  if (!command.empty()) {
    std::fprintf(stderr, "portico: unknown command '%s' (try: portico help)\n", command.c_str());
    return portico::agent::exit_code::kUsage;
  }
  return portico::agent::run_from_environment();
}
