#pragma once
// The hub's relay names on disk: file "relays" in its data dir, rewritten atomically (mode 0600, temporary
// name, fsync, rename) after every change of owner (and hourly, for "last seen") and read at start, so a restart
// changes no owner.
//
//   relays = line*
//   line   = name SP owner SP last_seen LF     name: a relay name; owner: 1-255 printable ASCII, no space;
//                                              last_seen: decimal seconds since the epoch
// Decoding is strict per line: a line that does not parse is counted and skipped (the rest still load).
//
// Thread safety: none.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace portico::relay {

inline constexpr std::string_view kRelayStoreFile = "relays";
inline constexpr std::size_t kMaxStoredOwner = 255;

struct StoredRelay {
  std::string name;
  std::string owner;
  std::uint64_t last_seen = 0;
  friend bool operator==(const StoredRelay&, const StoredRelay&) = default;
};

struct DecodedRelays {
  std::vector<StoredRelay> relays;
  std::size_t bad_lines = 0;
};

std::string encode_relays(const std::vector<StoredRelay>& relays);
DecodedRelays decode_relays(std::string_view text);

// Shared by the hub's text files (relays, revocations): a decimal u64 with no sign, no leading zeros, at most
// 20 digits; and a token of printable ASCII without spaces.
bool parse_decimal(std::string_view text, std::uint64_t& value);
bool printable_token(std::string_view text, std::size_t max_size);

// Missing file: nothing stored yet (no error).
std::error_code load_relays(const std::filesystem::path& file, DecodedRelays& out);
std::error_code save_relays(const std::filesystem::path& file, const std::vector<StoredRelay>& relays);

}  // namespace portico::relay
