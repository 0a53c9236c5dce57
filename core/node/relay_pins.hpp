#pragma once
// Relay pins: which outlet identity an inlet trusts for a relay name.
//
// The first time the hub names an owner for OCKAM_FORWARD, the inlet keeps it in its data dir, file
// "relay-pin-<name>" (the identifier and a newline, mode 0600), and from then on refuses any other owner the hub
// names — a squatter, or a hub that lies — with an error naming both identifiers. OCKAM_FORWARD_IDENTITY, when
// set, is the one owner accepted (nothing is pinned). A device re-flashed with a new identity: forget the pin
// (`portico relay forget NAME` with the inlet's OCKAM_DATA, or delete that file) and the next stream pins anew;
// the pin file is read at every opening, so a running inlet follows at once.
//
// Thread safety: none.

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace portico::node {

class RelayPins {
 public:
  explicit RelayPins(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::filesystem::path file(const std::string& name) const { return dir_ / ("relay-pin-" + name); }
  std::optional<std::string> load(const std::string& name) const;
  std::error_code save(const std::string& name, const std::string& identifier) const;
  // True when there was a pin to forget.
  bool forget(const std::string& name) const;

  // Empty when `owner` may be reached for `name` (pinning it on first use), else a one-line refusal naming both
  // identifiers and what to do.
  std::string vet(const std::string& name, const std::string& owner,
                  const std::optional<std::string>& forward_identity) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace portico::node
