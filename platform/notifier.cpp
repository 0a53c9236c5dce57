#include "platform/notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace portico::platform {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  ~SocketFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

struct UnixAddress {
  sockaddr_un address{};
  socklen_t length = 0;
};

// sockaddr_un for a NOTIFY_SOCKET value. An abstract name's length counts exactly its bytes (no terminator):
// the kernel compares abstract names by length, so one byte more would be another socket.
std::error_code make_address(const std::string& socket, UnixAddress& out) {
  out.address.sun_family = AF_UNIX;
  constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
  constexpr std::size_t kPathBytes = sizeof(out.address.sun_path);
  if (socket.front() == '@') {
    if (socket.size() > kPathBytes) return make_error_code(std::errc::filename_too_long);
    out.address.sun_path[0] = '\0';
    std::memcpy(out.address.sun_path + 1, socket.data() + 1, socket.size() - 1);
    out.length = static_cast<socklen_t>(kPathOffset + socket.size());
    return {};
  }
  if (socket.front() == '/') {
    if (socket.size() >= kPathBytes) return make_error_code(std::errc::filename_too_long);
    std::memcpy(out.address.sun_path, socket.data(), socket.size());
    out.length = static_cast<socklen_t>(kPathOffset + socket.size() + 1);
    return {};
  }
  return make_error_code(std::errc::invalid_argument);
}

}  // namespace

std::string_view notify_message(NotifyState state) {
  switch (state) {
    case NotifyState::kReady:
      return "READY=1";
    case NotifyState::kWatchdog:
      return "WATCHDOG=1";
    case NotifyState::kStopping:
      return "STOPPING=1";
  }
  return {};
}

std::error_code Notifier::send(std::string_view message) const {
  if (!enabled()) return {};
  UnixAddress target;
  if (auto error = make_address(socket_, target)) return error;

  const SocketFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return last_error();
  const ssize_t sent = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&target.address), target.length);
  if (sent < 0) return last_error();
  if (static_cast<std::size_t>(sent) != message.size()) return make_error_code(std::errc::message_size);
  return {};
}

std::optional<std::chrono::microseconds> watchdog_interval(std::string_view watchdog_usec) {
  std::uint64_t usec = 0;
  const char* end = watchdog_usec.data() + watchdog_usec.size();
  const auto [ptr, error] = std::from_chars(watchdog_usec.data(), end, usec);
  if (error != std::errc{} || ptr != end || usec == 0) return std::nullopt;
  if (usec > static_cast<std::uint64_t>(std::chrono::microseconds::max().count())) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec));
}

}  // namespace portico::platform
