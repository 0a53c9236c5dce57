#pragma once
// Readiness and watchdog for a service manager, the sd_notify(3) protocol without libsystemd: one datagram
// ("READY=1", "WATCHDOG=1", "STOPPING=1", or any "KEY=value" lines) sent to the unix socket named by
// NOTIFY_SOCKET. The agent reads NOTIFY_SOCKET and WATCHDOG_USEC and passes their values in; nothing here reads
// the environment.
//
//   "/run/systemd/notify"   a socket in the file system
//   "@name"                 an abstract socket (Linux): the '@' stands for the leading NUL byte
//   ""                      no service manager is listening: every send is a no-op that succeeds
//
// Other forms (systemd's "vsock:" addresses) are refused with std::errc::invalid_argument.
//
// Thread safety: each send opens, uses and closes its own socket; a const Notifier may be used from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace portico::platform {

enum class NotifyState {
  kReady,     // "READY=1": start-up finished (outlet registered, inlet listening, hub listening)
  kWatchdog,  // "WATCHDOG=1": still alive; send at half the watchdog interval
  kStopping,  // "STOPPING=1": shutdown began (SIGTERM drain)
};

std::string_view notify_message(NotifyState state);

class Notifier {
 public:
  Notifier() = default;  // disabled
  explicit Notifier(std::string socket) : socket_(std::move(socket)) {}

  bool enabled() const { return !socket_.empty(); }
  const std::string& socket() const { return socket_; }

  std::error_code notify(NotifyState state) const { return send(notify_message(state)); }
  std::error_code ready() const { return notify(NotifyState::kReady); }
  std::error_code watchdog() const { return notify(NotifyState::kWatchdog); }
  std::error_code stopping() const { return notify(NotifyState::kStopping); }

  // One datagram with `message` as it is, e.g. "STATUS=relay pg-1 registered". Success when disabled.
  std::error_code send(std::string_view message) const;

 private:
  std::string socket_;
};

// The watchdog interval from WATCHDOG_USEC's value (microseconds); nullopt when empty, zero or malformed, i.e.
// no watchdog. Ping at half of it, as sd_watchdog_enabled(3) advises.
std::optional<std::chrono::microseconds> watchdog_interval(std::string_view watchdog_usec);

}  // namespace portico::platform
