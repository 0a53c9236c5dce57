#pragma once
// ConnectionGate: how many accepted connections a listening node keeps, in total and per source address, so one
// address (or everyone at once) cannot take every descriptor before anyone is authenticated. TcpTransport::serve()
// asks it for each accepted socket and closes the excess at once with a rate-limited log line naming the address.
// Pure: addresses in, verdicts out.
//
// Thread safety: none; one io_context thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portico {

struct ConnectionLimits {
  std::size_t max_total = 1024;       // accepted connections at once (OCKAM_MAX_CONNECTIONS)
  // From one source address (OCKAM_MAX_CONNECTIONS_PER_ADDRESS). 16 links x 4 unfinished handshakes each
  // (HandshakeLimits) is 64, half of where the handshake gate's early drop starts: one address never reaches it.
  // A fleet behind one NAT of more devices than this needs it raised.
  std::size_t max_per_address = 16;
};

enum class ConnectionVerdict { admit, total, per_address };
std::string_view describe(ConnectionVerdict verdict);

class ConnectionGate {
 public:
  explicit ConnectionGate(ConnectionLimits limits = {}) : limits_(limits) {}

  // Counts the connection from `address` when admitted; release() it when it closes.
  ConnectionVerdict admit(const std::string& address);
  void release(const std::string& address);

  std::size_t total() const { return total_; }
  std::size_t from(const std::string& address) const;
  const ConnectionLimits& limits() const { return limits_; }

 private:
  ConnectionLimits limits_;
  std::unordered_map<std::string, std::size_t> per_address_;
  std::size_t total_ = 0;
};

}  // namespace portico
