#include "node/relay_pins.hpp"

#include <spdlog/spdlog.h>

#include "identity/enrollment_token.hpp"
#include "identity/vault.hpp"

namespace portico::node {

std::optional<std::string> RelayPins::load(const std::string& name) const {
  auto bytes = identity::read_file(file(name));
  if (!bytes) return std::nullopt;
  std::string text(as_chars(*bytes));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (!identity::is_identifier(text)) {
    spdlog::warn("relay pin {} holds no identifier; ignored", file(name).string());
    return std::nullopt;
  }
  return text;
}

std::error_code RelayPins::save(const std::string& name, const std::string& identifier) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  return identity::write_private_file(file(name), as_bytes(identifier + "\n"));
}

bool RelayPins::forget(const std::string& name) const {
  std::error_code ec;
  return std::filesystem::remove(file(name), ec);
}

std::string RelayPins::vet(const std::string& name, const std::string& owner,
                           const std::optional<std::string>& forward_identity) const {
  if (forward_identity) {
    if (owner == *forward_identity) return {};
    const std::string refusal = "relay \"" + name + "\" is owned by " + owner + ", not by " + *forward_identity +
                                " (OCKAM_FORWARD_IDENTITY): refusing to reach it";
    spdlog::error("{}", refusal);
    return refusal;
  }
  const auto pinned = load(name);
  if (!pinned) {
    if (auto ec = save(name, owner)) {
      spdlog::warn("cannot pin relay \"{}\" to {} in {}: {}", name, owner, file(name).string(), ec.message());
    } else {
      spdlog::info("relay \"{}\" pinned to outlet identity {} (first use; `portico relay forget {}` forgets it)", name,
                   owner, name);
    }
    return {};
  }
  if (*pinned == owner) return {};
  const std::string refusal = "relay \"" + name + "\": the hub says its owner is " + owner + ", but this inlet pinned " +
                              *pinned + ": refusing (a re-flashed device? `portico relay forget " + name +
                              "` with this inlet's OCKAM_DATA, or set OCKAM_FORWARD_IDENTITY)";
  spdlog::error("{}", refusal);
  return refusal;
}

}  // namespace portico::node
