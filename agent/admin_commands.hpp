#pragma once
// The operator's commands about trust, run with the data dir of the agent they concern (OCKAM_DATA, else the
// platform default), like `portico token`:
//
//   portico revoke IDENTIFIER     (hub) adds IDENTIFIER to <data>/revoked; a running hub applies it within
//                                 kRevocationPoll: it closes that identity's channels, frees its relay names,
//                                 refuses its messages, refreshes and enrollment, and tells its members (their
//                                 end-to-end channels with it close); a restarted hub reads the file at start
//   portico revoke --list         (hub) the revoked identities and when
//   portico relay release NAME    (hub) frees relay NAME for whoever registers it next: leaves the request
//                                 <data>/relay-release-NAME, which a running hub takes within a second (and a
//                                 stopped one at start); waits up to kReleaseWait to say which happened
//   portico relay forget NAME     (inlet) forgets the outlet identity pinned for NAME (relay_pins.hpp)
//
// Exit codes: 0 done, 2 usage (a bad identifier or name included), 16 the data dir cannot be used.

#include <chrono>
#include <string>
#include <vector>

#include "node/hub_registry.hpp"  // kReleaseRequestPrefix

namespace portico::agent {

inline constexpr auto kReleaseWait = std::chrono::seconds(3);

//   portico relay list            (hub) the relay names stored in <data>/relays: name, owner, last seen
// Each takes --json (json = true): one JSON value on stdout instead of the text.
int run_revoke(const std::vector<std::string>& arguments, bool json = false);
int run_relay(const std::vector<std::string>& arguments, bool json = false);

// The data dir as the agent resolves it (OCKAM_DATA, else the platform default); empty, after a one-line error
// naming the variable, when OCKAM_DATA and friends are malformed.
std::string command_data_dir(const char* command);

}  // namespace portico::agent
