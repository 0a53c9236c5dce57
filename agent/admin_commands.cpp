#include "admin_commands.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "config.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/revocations.hpp"
#include "identity/token_store.hpp"
#include "identity/vault.hpp"
#include "platform/platform.hpp"
#include "relay/relay_messages.hpp"
#include "relay/relay_store.hpp"
#include "node/relay_pins.hpp"
#include "util/json.hpp"

namespace portico::agent {
namespace {

void print_json(const util::JsonWriter& json) { std::printf("%s\n", json.text().c_str()); }

int list_relays(const std::string& dir, bool json) {
  relay::DecodedRelays stored;
  const auto file = std::filesystem::path(dir) / relay::kRelayStoreFile;
  if (auto ec = relay::load_relays(file, stored)) {
    std::fprintf(stderr, "portico relay: OCKAM_DATA: cannot read %s: %s\n", file.c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  std::sort(stored.relays.begin(), stored.relays.end(),
            [](const relay::StoredRelay& a, const relay::StoredRelay& b) { return a.name < b.name; });
  if (json) {
    util::JsonWriter out;
    out.begin_array();
    for (const auto& r : stored.relays) {
      out.begin_object().key("name").value(r.name).key("owner").value(r.owner).key("last_seen").value(r.last_seen);
      out.end_object();
    }
    out.end_array();
    print_json(out);
  } else {
    for (const auto& r : stored.relays) {
      std::printf("%s %s last seen %s\n", r.name.c_str(), r.owner.c_str(), identity::format_utc(r.last_seen).c_str());
    }
  }
  std::fprintf(stderr, "portico relay: %zu relay names in %s%s (a running hub stores online names' last seen hourly)\n",
               stored.relays.size(), file.c_str(),
               stored.bad_lines ? (", " + std::to_string(stored.bad_lines) + " lines unreadable").c_str() : "");
  return 0;
}

}  // namespace

std::string command_data_dir(const char* command) {
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

namespace {

int list_revoked(const std::string& dir, bool json) {
  identity::Revocations revocations;
  if (auto ec = identity::load_revocations(std::filesystem::path(dir) / identity::kRevocationFile, revocations)) {
    std::fprintf(stderr, "portico revoke: OCKAM_DATA: cannot read %s/revoked: %s\n", dir.c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  if (json) {
    util::JsonWriter out;
    out.begin_array();
    for (const auto& [identifier, at] : revocations.revoked_at) {
      out.begin_object().key("identity").value(identifier).key("revoked_at").value(at).end_object();
    }
    out.end_array();
    print_json(out);
  } else {
    for (const auto& [identifier, at] : revocations.revoked_at) {
      std::printf("%s revoked %s\n", identifier.c_str(), identity::format_utc(at).c_str());
    }
  }
  std::fprintf(stderr, "portico revoke: %zu revoked identities (data dir %s)\n", revocations.revoked_at.size(),
               dir.c_str());
  return 0;
}

}  // namespace

int run_revoke(const std::vector<std::string>& arguments, bool json) {
  if (arguments.size() != 1) {
    std::fprintf(stderr, "usage: portico revoke IDENTIFIER | portico revoke --list\n");
    return exit_code::kUsage;
  }
  const std::string dir = command_data_dir("revoke");
  if (dir.empty()) return exit_code::kData;
  if (arguments[0] == "--list") return list_revoked(dir, json);
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
  if (json) {
    util::JsonWriter out;
    out.begin_object().key("revoked").value(identifier).key("revoked_at").value(revocations.revoked_at[identifier]);
    print_json(out.end_object());
  }
  return 0;
}

int run_relay(const std::vector<std::string>& arguments, bool json) {
  if (arguments.size() == 1 && arguments[0] == "list") {
    const std::string dir = command_data_dir("relay");
    return dir.empty() ? exit_code::kData : list_relays(dir, json);
  }
  if (arguments.size() != 2 || (arguments[0] != "release" && arguments[0] != "forget")) {
    std::fprintf(stderr, "usage: portico relay list             (with the hub's OCKAM_DATA)\n"
                         "       portico relay release NAME   (with the hub's OCKAM_DATA)\n"
                         "       portico relay forget NAME    (with the inlet's OCKAM_DATA)\n");
    return exit_code::kUsage;
  }
  const std::string& name = arguments[1];
  if (!relay::valid_relay_name(name)) {
    std::fprintf(stderr, "portico relay: '%s' is not a relay name (1-64 of A-Z a-z 0-9 . _ -)\n", name.c_str());
    return exit_code::kUsage;
  }
  const std::string dir = command_data_dir("relay");
  if (dir.empty()) return exit_code::kData;
  if (arguments[0] == "forget") {
    const node::RelayPins pins(dir);
    const bool forgotten = pins.forget(name);
    std::fprintf(stderr, "portico relay: %s\n", forgotten ? ("forgot the identity pinned for relay \"" + name +
                                                             "\"; the next stream pins the owner the hub names").c_str()
                                                          : ("no identity was pinned for relay \"" + name + "\" in " + dir).c_str());
    if (json) {
      util::JsonWriter out;
      print_json(out.begin_object().key("relay").value(name).key("forgotten").value(forgotten).end_object());
    }
    return 0;
  }
  const auto request = std::filesystem::path(dir) / (std::string(node::kReleaseRequestPrefix) + name);
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
  const bool taken = !std::filesystem::exists(request, ec);
  if (json) {
    util::JsonWriter out;
    print_json(out.begin_object().key("relay").value(name).key("released_by_running_hub").value(taken).end_object());
  }
  if (taken) {
    std::fprintf(stderr, "portico relay: the running hub released relay \"%s\"\n", name.c_str());
  } else {
    std::fprintf(stderr, "portico relay: no hub took the request within %lld s; relay \"%s\" is released when the hub "
                         "starts (request %s)\n", static_cast<long long>(kReleaseWait.count()), name.c_str(), request.c_str());
  }
  return 0;
}

}  // namespace portico::agent
