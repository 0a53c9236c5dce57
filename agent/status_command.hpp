#pragma once
// `portico status [--json]`: asks the running agent this environment configures for its status over the status
// socket (health.hpp) — JSON as the agent writes it (metrics/status.hpp), or its text rendering.
// `portico identity [--json]`: this node's identifier, from the identity in the data dir (nothing is created).
// Exit codes: 0; status: 1 when no agent answers; identity: 16 when the data dir holds no identity.

namespace portico::agent {

int run_status(bool json);
int run_identity(bool json);

}  // namespace portico::agent
