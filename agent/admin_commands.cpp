#include "admin_commands.hpp"

#include <cstdio>
#include <thread>

#include "config.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/revocations.hpp"
#include "identity/token_store.hpp"
#include "identity/vault.hpp"
#include "platform/platform.hpp"
#include "relay/relay_messages.hpp"
#include "relay_pins.hpp"

namespace portico::agent {
namespace {

// The data dir as the agent resolves it; empty (after a one-line error) when OCKAM_DATA is malformed.
std::string data_dir(const char* command) {
  const Environment process = process_environment();
  auto loaded = load_config([&process](std::string_view name) -> std::optional<std::string> {
    if (name == "OCKAM_IN" || name == "OCKAM_OUT") return std::nullopt;
    if (name == "OCKAM_LISTEN") return std::string("0.0.0.0:4000");
    return process(name);
  });
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    std::fprintf(stderr, "portico %s: %s\n", command, error->message.c_str());
    return {};
  }
  const Config& config = std::get<Config>(loaded);
  return config.data_dir.value_or(
      platform::default_data_dir(config.platform_root, {.xdg_data_home = config.xdg_data_home, .home = config.home})
          .string());
}

int list_revoked(const std::string& dir) {
  identity::Revocations revocations;
  if (auto ec = identity::load_revocations(std::filesystem::path(dir) / identity::kRevocationFile, revocations)) {
    std::fprintf(stderr, "portico revoke: OCKAM_DATA: cannot read %s/revoked: %s\n", dir.c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  for (const auto& [identifier, at] : revocations.revoked_at) {
    std::printf("%s revoked %s\n", identifier.c_str(), identity::format_utc(at).c_str());
  }
  std::fprintf(stderr, "portico revoke: %zu revoked identities (data dir %s)\n", revocations.revoked_at.size(),
               dir.c_str());
  return 0;
}

}  // namespace

int run_revoke(const std::vector<std::string>& arguments) {
  if (arguments.size() != 1) {
    std::fprintf(stderr, "usage: portico revoke IDENTIFIER | portico revoke --list\n");
    return exit_code::kUsage;
  }
  const std::string dir = data_dir("revoke");
  if (dir.empty()) return exit_code::kData;
  if (arguments[0] == "--list") return list_revoked(dir);
  const std::string& identifier = arguments[0];
  if (!identity::is_identifier(identifier)) {
    std::fprintf(stderr, "portico revoke: '%s' is not an identifier (I and 64 hex digits, as the hub logs them)\n",
                 identifier.c_str());
    return exit_code::kUsage;
  }
  const auto file = std::filesystem::path(dir) / identity::kRevocationFile;
  identity::Revocations revocations;
  std::error_code ec = identity::load_revocations(file, revocations);
  if (!ec && !revocations.contains(identifier)) {
    if (revocations.revoked_at.size() >= identity::kMaxRevocations) {
      std::fprintf(stderr, "portico revoke: %s already holds %zu revocations, the most a hub reads\n", file.c_str(),
                   identity::kMaxRevocations);
      return exit_code::kData;
    }
    revocations.revoked_at.emplace(identifier, identity::system_now());
    std::filesystem::create_directories(dir, ec);
    ec = identity::save_revocations(file, revocations);
  }
  if (ec) {
    std::fprintf(stderr, "portico revoke: OCKAM_DATA: cannot write %s: %s\n", file.c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  std::fprintf(stderr, "portico revoke: %s is revoked (%s); a running hub applies it within %lld s\n",
               identifier.c_str(), file.c_str(), static_cast<long long>(identity::kRevocationPoll.count()));
  return 0;
}

int run_relay(const std::vector<std::string>& arguments) {
  if (arguments.size() != 2 || (arguments[0] != "release" && arguments[0] != "forget")) {
    std::fprintf(stderr, "usage: portico relay release NAME   (with the hub's OCKAM_DATA)\n"
                         "       portico relay forget NAME    (with the inlet's OCKAM_DATA)\n");
    return exit_code::kUsage;
  }
  const std::string& name = arguments[1];
  if (!relay::valid_relay_name(name)) {
    std::fprintf(stderr, "portico relay: '%s' is not a relay name (1-64 of A-Z a-z 0-9 . _ -)\n", name.c_str());
    return exit_code::kUsage;
  }
  const std::string dir = data_dir("relay");
  if (dir.empty()) return exit_code::kData;
  if (arguments[0] == "forget") {
    const RelayPins pins(dir);
    const bool forgotten = pins.forget(name);
    std::fprintf(stderr, "portico relay: %s\n", forgotten ? ("forgot the identity pinned for relay \"" + name +
                                                             "\"; the next stream pins the owner the hub names").c_str()
                                                          : ("no identity was pinned for relay \"" + name + "\" in " + dir).c_str());
    return 0;
  }
  const auto request = std::filesystem::path(dir) / (std::string(kReleaseRequestPrefix) + name);
  if (auto ec = identity::write_private_file(request, as_bytes(std::to_string(identity::system_now()) + "\n"))) {
    std::fprintf(stderr, "portico relay: OCKAM_DATA: cannot write %s: %s\n", request.c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  // A running hub takes the request within a second; poll for that, briefly.
  const auto deadline = std::chrono::steady_clock::now() + kReleaseWait;
  std::error_code ec;
  while (std::filesystem::exists(request, ec) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!std::filesystem::exists(request, ec)) {
    std::fprintf(stderr, "portico relay: the running hub released relay \"%s\"\n", name.c_str());
  } else {
    std::fprintf(stderr, "portico relay: no hub took the request within %lld s; relay \"%s\" is released when the hub "
                         "starts (request %s)\n", static_cast<long long>(kReleaseWait.count()), name.c_str(), request.c_str());
  }
  return 0;
}

}  // namespace portico::agent
