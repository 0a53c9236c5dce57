#pragma once
// `portico token [create] [--uses N] [--ttl DURATION] [key=value ...]`: creates an enrollment token on the hub.
// `portico token list`: the stored tokens (id = file name = the secret's SHA-256, uses left, expiry, attributes;
// the secrets themselves are not stored). `portico token delete ID`: removes one. Each takes --json.
//
// Run with the hub's environment: the data dir is resolved as the hub resolves it (OCKAM_DATA, else the
// platform default), the hub identity is loaded from it (created when absent, as the hub would), and the token
// is filed in <data dir>/tokens/ where the running hub reads it at redemption. stdout gets exactly the token
// (for OCKAM_ENROLL on the node), stderr a one-line summary.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "identity/token_store.hpp"

namespace portico::agent {

inline constexpr std::uint32_t kDefaultTokenUses = 1;
inline constexpr std::chrono::seconds kDefaultTokenTtl = std::chrono::hours(24);
inline constexpr std::chrono::seconds kMaxTokenTtl = std::chrono::hours(24 * 3650);

struct TokenArguments {
  std::uint32_t uses = kDefaultTokenUses;
  std::chrono::seconds ttl = kDefaultTokenTtl;
  identity::Attributes attributes;
};

// "90s", "30m", "24h", "7d": a whole number from 1 and one unit, at most kMaxTokenTtl; nothing otherwise.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// The arguments after "token"; a one-line problem (without the usage text) when they are wrong.
std::variant<TokenArguments, std::string> parse_token_arguments(const std::vector<std::string>& arguments);

// The command; returns the process exit code (exit_code::kUsage for bad arguments).
int run_token(const std::vector<std::string>& arguments, bool json = false);

}  // namespace portico::agent
