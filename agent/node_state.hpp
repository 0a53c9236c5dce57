#pragma once
// What the agent keeps on disk between starts: the data dir and the node id in it. The node id is the stable
// fallback relay name and, until identities arrive, the owner a relay name is registered to.

#include <optional>
#include <string>

#include "config.hpp"
#include "wire/result.hpp"

namespace portico::agent {


// The node id stored in `data_dir`/node-id (32 hex characters), created on first use: mode 0600, written to a
// temporary file and renamed, so a crash never leaves half a file.
Result<std::string> load_or_create_node_id(const std::string& data_dir);

// OCKAM_RELAY, else the device id the platform layer found (BALENA_DEVICE_UUID, the Pi's serial, the DMI
// product UUID or /etc/machine-id), else the node id kept in the data dir: never a fresh random name per start.
// With BALENA_SERVICE_NAME (balena sets it in every service) the default is "<device id>-<service>", so several
// outlet services on one device register distinct names; the device id is shortened when the whole would pass
// the relay-name limit (64 bytes).
std::string relay_name(const Config& config, const std::string& device_id, const std::string& node_id);

}  // namespace portico::agent
