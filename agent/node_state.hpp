#pragma once
// What the agent keeps on disk between starts: the data dir and the node id in it. The node id is the stable
// fallback relay name and, until identities arrive, the owner a relay name is registered to.

#include <optional>
#include <string>

#include "config.hpp"
#include "wire/result.hpp"

namespace portico::agent {

// Creates `data_dir` (and its parents) if needed and makes it mode 0700 whatever the umask: it holds the node's
// key, credential, tokens and status socket. Returns the mode it had before when that let anyone else in (for a
// warning), 0 otherwise; an error when it cannot be created or changed.
Result<unsigned> secure_data_dir(const std::string& data_dir);

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
