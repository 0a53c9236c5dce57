#include "idle.hpp"

#include <csignal>
#include <cstdio>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "identity/vault.hpp"
#include "node/membership.hpp"
#include "platform/notifier.hpp"

namespace portico::agent {

std::optional<std::string> not_enrolled(const Config& config) {
  if (config.role == Role::hub) return std::nullopt;
  if (node::load_trust(config.hub_identity, config.enroll, identity::Vault(config.data_dir.value_or("")))) {
    return std::nullopt;
  }
  return std::string("OCKAM_ENROLL: this node is not enrolled and knows no hub identity; set OCKAM_ENROLL to a "
                     "token from `portico token` on the hub (or OCKAM_HUB_IDENTITY to the hub's identifier)");
}

int run_idle(const std::string& reason, const std::string& notify_socket) {
  std::fprintf(stderr, "portico: %s; idle until configured (OCKAM_UNCONFIGURED=idle)\n", reason.c_str());
  std::fflush(stderr);
  const platform::Notifier notifier(notify_socket);
  if (notifier.enabled()) (void)notifier.send("READY=1\nSTATUS=idle: " + reason);
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace portico::agent
