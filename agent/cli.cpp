#include "cli.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "admin_commands.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "health.hpp"
#include "status_command.hpp"
#include "token_command.hpp"
#include "util/json.hpp"

namespace portico::agent {
namespace {

int version(const Invocation& call) {
  if (!call.arguments.empty()) {
    std::fprintf(stderr, "portico version: takes no arguments (got '%s')\n", call.arguments[0].c_str());
    return exit_code::kUsage;
  }
  if (call.json) {
    util::JsonWriter json;
    json.begin_object().key("version").value(PORTICO_VERSION).end_object();
    std::printf("%s\n", json.text().c_str());
  } else {
    std::printf("portico %s\n", PORTICO_VERSION);
  }
  return 0;
}

int help(const Invocation&) {
  std::printf("%s", general_help().c_str());
  return 0;
}

int health(const Invocation& call) {
  bool ready = false;
  for (const auto& argument : call.arguments) {
    if (argument != "--ready") {
      std::fprintf(stderr, "portico health: unexpected argument '%s' (usage: portico health [--ready] [--json])\n",
                   argument.c_str());
      return exit_code::kUsage;
    }
    ready = true;
  }
  return run_health(ready, call.json);
}

int send(const Invocation& call) {
  const auto& a = call.arguments;
  if (a.size() < 2 || a.size() > 3) {
    std::fprintf(stderr, "usage: portico send ROUTE TEXT [COUNT] [--json]\n");
    return exit_code::kUsage;
  }
  int count = 1;
  if (a.size() == 3) {
    char* end = nullptr;
    const long parsed = std::strtol(a[2].c_str(), &end, 10);
    if (end == a[2].c_str() || *end != '\0' || parsed < 1 || parsed > 1'000'000) {
      std::fprintf(stderr, "portico send: COUNT '%s' is not a whole number from 1 to 1000000\n", a[2].c_str());
      return exit_code::kUsage;
    }
    count = static_cast<int>(parsed);
  }
  return run_send(a[0], a[1], count, call.json);
}

int status(const Invocation& call) {
  if (!call.arguments.empty()) {
    std::fprintf(stderr, "portico status: unexpected argument '%s' (usage: portico status [--json])\n",
                 call.arguments[0].c_str());
    return exit_code::kUsage;
  }
  return run_status(call.json);
}

int identity(const Invocation& call) {
  if (!call.arguments.empty()) {
    std::fprintf(stderr, "portico identity: unexpected argument '%s' (usage: portico identity [--json])\n",
                 call.arguments[0].c_str());
    return exit_code::kUsage;
  }
  return run_identity(call.json);
}

int token(const Invocation& call) { return run_token(call.arguments, call.json); }
int revoke(const Invocation& call) { return run_revoke(call.arguments, call.json); }
int relay(const Invocation& call) { return run_relay(call.arguments, call.json); }

const Command* find(std::string_view name) {
  for (const Command& command : commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

bool listed(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"status", "status [--json]",
       "usage: portico status [--json]\n"
       "  Asks the running agent this environment configures (the same OCKAM_* variables, as `portico health`)\n"
       "  over its status socket what it is doing: its role, identity and uptime; an inlet's or outlet's hub link,\n"
       "  secure channel, credential (attributes, expiry), its inlet or outlet (streams, bytes) and peers; a hub's\n"
       "  relay names (owner, online or offline and since when, bytes each way, senders) and connected members.\n"
       "  Exit 0 when the agent answered, 1 when none did.\n",
       {"--json"}, {}, status},
      {"health", "health [--ready] [--json]",
       "usage: portico health [--ready] [--json]\n"
       "  Liveness of the running agent this environment configures: exit 0 while it answers (it reconnects to its\n"
       "  hub by itself), else 1. --ready: exit 0 only when it is ready (hub: listening; inlet: hub link up;\n"
       "  outlet: hub link up and relay registered).\n",
       {"--ready", "--json"}, {}, health},
      {"identity", "identity [--json]",
       "usage: portico identity [--json]\n"
       "  Prints this node's identifier (I + 64 hex digits) from the identity kept in OCKAM_DATA (else the\n"
       "  platform's default data dir). Creates nothing: a node makes its identity at its first start. Exit 16\n"
       "  when the data dir holds none.\n",
       {"--json"}, {}, identity},
      {"token", "token [create] [--uses N] [--ttl DURATION] [key=value ...] | token list | token delete ID",
       "usage: portico token [create] [--uses N] [--ttl DURATION] [key=value ...] [--json]\n"
       "       portico token list [--json]\n"
       "       portico token delete ID [--json]\n"
       "  With the hub's OCKAM_DATA. create (the default): prints a new enrollment token for OCKAM_ENROLL\n"
       "  (default 1 use, valid 24h; DURATION like 90s, 30m, 24h, 7d) with the attributes its credentials carry.\n"
       "  list: the stored tokens: id (the file name, the secret's SHA-256: it redeems nothing), uses left, expiry,\n"
       "  attributes; secrets are never stored. delete: removes the token with that id.\n",
       {"--json"}, {"--uses", "--ttl"}, token},
      {"relay", "relay list | relay release NAME | relay forget NAME",
       "usage: portico relay list [--json]         the hub's relay names: owner, last seen (hub's OCKAM_DATA)\n"
       "       portico relay release NAME [--json] free a relay name for a new owner (hub's OCKAM_DATA)\n"
       "       portico relay forget NAME [--json]  forget the outlet identity pinned for NAME (inlet's OCKAM_DATA)\n",
       {"--json"}, {}, relay},
      {"revoke", "revoke IDENTIFIER | revoke --list",
       "usage: portico revoke IDENTIFIER [--json]   revoke a member (hub's OCKAM_DATA); a running hub applies it\n"
       "                                              within a second\n"
       "       portico revoke --list [--json]       the revoked identities and when\n",
       {"--list", "--json"}, {}, revoke},
      {"send", "send ROUTE TEXT [COUNT]",
       "usage: portico send ROUTE TEXT [COUNT] [--json]\n"
       "  Sends TEXT along ROUTE (hops separated by commas: 1#host:port is a TCP hop, a bare name a worker, e.g.\n"
       "  1#127.0.0.1:4000,echo) COUNT times (default 1) and prints each reply; exit 0 when every reply came back.\n"
       "  Plaintext: between nodes of your own (a hub answers it with nothing).\n",
       {"--json"}, {}, send},
      {"version", "version [--json]", "usage: portico version [--json]\n  Prints the agent's version.\n",
       {"--json"}, {}, version},
      {"help", "help", "usage: portico help | portico --help\n  Lists the commands.\n", {}, {}, help},
  };
  return table;
}

std::string general_help() {
  std::string text =
      "usage: portico                 run the role the OCKAM_* variables set (hub, inlet or outlet; see README)\n"
      "       portico COMMAND [ARGS]  one of:\n";
  for (const Command& command : commands()) text += "         " + std::string(command.synopsis) + "\n";
  text +=
      "  Every command takes --help; those that print something take --json (one JSON value on stdout).\n"
      "  Commands about a data dir (token, relay, revoke, identity) use OCKAM_DATA; status and health find the\n"
      "  running agent from the same OCKAM_* variables it runs with.\n";
  return text;
}

int run_cli(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "";
  if (name.empty()) return run_from_environment();
  if (name == "--help" || name == "-h") return help({});
  if (name == "--version") return version({});
  const Command* command = find(name);
  if (command == nullptr) {
    std::fprintf(stderr, "portico: unknown command '%s' (portico --help lists them)\n", name.c_str());
    return exit_code::kUsage;
  }
  Invocation call;
  for (int i = 2; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      std::printf("%s", std::string(command->usage).c_str());
      return 0;
    }
    if (argument == "--json" && listed(command->options, argument)) {
      call.json = true;
      continue;
    }
    if (argument.starts_with("--") && !listed(command->options, argument) &&
        !listed(command->valued_options, argument)) {
      std::fprintf(stderr, "portico %s: unknown option '%s' (portico %s --help)\n", command->name.data(),
                   argument.c_str(), command->name.data());
      return exit_code::kUsage;
    }
    call.arguments.push_back(argument);
    // The value of an option that takes one is passed on as it is, even when it starts with "--".
    if (listed(command->valued_options, argument) && i + 1 < argc) call.arguments.push_back(argv[++i]);
  }
  return command->run(call);
}

}  // namespace portico::agent
