#include "status_command.hpp"

#include <cstdio>

#include "admin_commands.hpp"
#include "config.hpp"
#include "health.hpp"
#include "identity/vault.hpp"
#include "util/json.hpp"

namespace portico::agent {

int run_status(bool json) {
  const StatusSocket socket = find_status_socket();
  if (socket.idle || !socket.path) {
    if (json) {
      util::JsonWriter out;
      out.begin_object().key("error").value(socket.problem).key("idle").value(socket.idle).end_object();
      std::printf("%s\n", out.text().c_str());
    } else {
      std::printf("%s%s\n", socket.idle ? "idle: " : "", socket.problem.c_str());
    }
    return socket.idle ? 0 : 1;
  }
  std::string error;
  const auto answer = ask_status(*socket.path, json ? "status" : "status text", kMaxStatusAnswerBytes, error);
  if (!answer || answer->starts_with("error: ") || answer->starts_with("healthy: ") ||
      answer->starts_with("unhealthy: ")) {
    // An agent from before `portico status` answers every request with its health line.
    const std::string why = !answer ? error : "the agent does not know `status` (an older version?): " +
                                                  answer->substr(0, answer->find('\n'));
    std::fprintf(stderr, "portico status: no %s agent answers on %s: %s\n", socket.role.c_str(), socket.path->c_str(),
                 why.c_str());
    return 1;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  return 0;
}

int run_identity(bool json) {
  const std::string dir = command_data_dir("identity");
  if (dir.empty()) return exit_code::kData;
  auto loaded = identity::Vault(dir).load_identity();
  if (!loaded) {
    const bool none = loaded.error() == std::errc::no_such_file_or_directory;
    std::fprintf(stderr, "portico identity: OCKAM_DATA: %s %s%s (example: OCKAM_DATA=/data/portico)\n",
                 none ? "no identity in" : "cannot read the identity in", dir.c_str(),
                 none ? "; a node creates one at its first start" : (": " + loaded.error().message()).c_str());
    return exit_code::kData;
  }
  if (json) {
    util::JsonWriter out;
    out.begin_object().key("identity").value(loaded->identifier()).key("data_dir").value(dir).end_object();
    std::printf("%s\n", out.text().c_str());
  } else {
    std::printf("%s\n", loaded->identifier().c_str());
  }
  return 0;
}

}  // namespace portico::agent
