#include "platform/notifier.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "fake_tree.hpp"

namespace portico::platform {
namespace {

using namespace std::chrono_literals;

constexpr int kReceiveTimeoutMs = 2000;

// A unix datagram socket standing in for the service manager's NOTIFY_SOCKET.
class Listener {
 public:
  // A socket file at `path`, or an abstract socket when `path` starts with '@'.
  explicit Listener(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::system_error(errno, std::system_category(), "socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    std::size_t length = offsetof(sockaddr_un, sun_path) + path.size() + 1;
    if (path.front() == '@') {
      address.sun_path[0] = '\0';
      length = offsetof(sockaddr_un, sun_path) + path.size();
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), static_cast<socklen_t>(length)) != 0) {
      throw std::system_error(errno, std::system_category(), "bind " + path);
    }
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { ::close(fd_); }

  // The next datagram, or "" when none arrives within `timeout_ms`. A unix datagram is queued at the receiver
  // before sendto() returns, so "nothing arrived" is checked with a timeout of 0, not by waiting.
  std::string receive(int timeout_ms = kReceiveTimeoutMs) const {
    pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, timeout_ms) != 1) return {};
    char buffer[512];
    const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    return size < 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(size));
  }

 private:
  int fd_;
};

std::string unique_abstract_name() {
  static std::atomic<int> counter{0};
  return "@portico-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

TEST(Notifier, SendsReadyToASocketFile) {
  testing::FakeTree dir;
  const std::string path = (dir.root() / "notify").string();
  const Listener listener(path);
  const Notifier notifier(path);

  ASSERT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
  EXPECT_EQ(listener.receive(), "READY=1");
}

TEST(Notifier, SendsEachStateToAnAbstractSocket) {
  const std::string name = unique_abstract_name();
  const Listener listener(name);
  const Notifier notifier(name);

  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(notifier.watchdog());
  EXPECT_FALSE(notifier.stopping());
  EXPECT_FALSE(notifier.send("STATUS=relay pg-1 registered"));

  EXPECT_EQ(listener.receive(), "READY=1");
  EXPECT_EQ(listener.receive(), "WATCHDOG=1");
  EXPECT_EQ(listener.receive(), "STOPPING=1");
  EXPECT_EQ(listener.receive(), "STATUS=relay pg-1 registered");
}

TEST(Notifier, AbstractNameLengthIsExact) {
  // "@name" must reach "\0name", not "\0name\0": a listener on the longer name hears nothing.
  const std::string name = unique_abstract_name();
  const Listener longer(name + std::string(1, '\0'));
  EXPECT_EQ(Notifier(name).ready(), std::errc::connection_refused);  // nobody at exactly "\0name"
  EXPECT_EQ(longer.receive(0), "");
}

TEST(Notifier, WithoutNotifySocketEverySendSucceeds) {
  const Notifier notifier;
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(Notifier("").watchdog());
}

TEST(Notifier, NobodyListeningIsAnError) {
  testing::FakeTree dir;
  EXPECT_EQ(Notifier((dir.root() / "absent").string()).ready(), std::errc::no_such_file_or_directory);
}

TEST(Notifier, UnsupportedAddressesAreRefused) {
  EXPECT_EQ(Notifier("run/notify").ready(), std::errc::invalid_argument);
  EXPECT_EQ(Notifier("vsock:2:1234").ready(), std::errc::invalid_argument);
  EXPECT_EQ(Notifier("/" + std::string(200, 'x')).ready(), std::errc::filename_too_long);
  EXPECT_EQ(Notifier("@" + std::string(200, 'x')).ready(), std::errc::filename_too_long);
}

TEST(Notifier, Messages) {
  EXPECT_EQ(notify_message(NotifyState::kReady), "READY=1");
  EXPECT_EQ(notify_message(NotifyState::kWatchdog), "WATCHDOG=1");
  EXPECT_EQ(notify_message(NotifyState::kStopping), "STOPPING=1");
}

TEST(WatchdogInterval, ParsesWatchdogUsec) {
  EXPECT_EQ(watchdog_interval("30000000"), std::chrono::microseconds(30s));
  EXPECT_EQ(watchdog_interval(""), std::nullopt);
  EXPECT_EQ(watchdog_interval("0"), std::nullopt);
  EXPECT_EQ(watchdog_interval("30s"), std::nullopt);
  EXPECT_EQ(watchdog_interval("-5"), std::nullopt);
  EXPECT_EQ(watchdog_interval("99999999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace portico::platform
