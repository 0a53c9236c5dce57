#pragma once
// TokenStore: the hub's enrollment tokens, one file per token in <data dir>/tokens/.
//
// A file is named by the hex SHA-256 of the token's secret, so the secret itself is never stored: whoever reads
// the directory learns which tokens exist, not how to redeem them. Each file (mode 0600, written atomically):
//
//   portico-token 1
//   expires_at <seconds since the epoch>
//   uses <remaining uses, >= 1>
//   attribute <key>=<value>         zero or more, keys sorted and unique
//
// Files are read when a token is redeemed, so a token created by another process (`portico token`) works at
// once, without restarting the hub. A token's last use deletes its file; an expired token's file is deleted
// when it is met.
//
// Thread safety: none. Only the hub redeems (from its one io_context thread); `portico token` only creates, and
// never touches an existing file.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "identity/enrollment_token.hpp"

namespace portico::identity {

using Attributes = std::map<std::string, std::string>;

// A credential must fit a secure channel's handshake payload (channel/handshake_payload.cpp allows 4096 bytes).
inline constexpr std::size_t kMaxCredentialBytes = 4096;
inline constexpr std::uint32_t kMaxTokenUses = 1'000'000;
inline constexpr std::uintmax_t kMaxTokenFileBytes = 32 * 1024;
inline constexpr const char* kTokenDirectory = "tokens";
inline constexpr std::size_t kMaxListedTokens = 100'000;

// Keys: 1..kMaxCredentialText printable ASCII characters, no '=' and no space; values: 0..kMaxCredentialText
// printable ASCII characters (space allowed); at most kMaxAttributes; and a credential carrying them (with the
// longest subject and issuer) fits kMaxCredentialBytes. TokenError::bad_attribute otherwise.
std::error_code validate_attributes(const Attributes& attributes);

// Seconds since the Unix epoch, from the system clock (the hub's default clock for tokens and credentials).
std::uint64_t system_now();
// "2026-11-25T19:30:00Z", for logs and the token command's summary.
std::string format_utc(std::uint64_t seconds_since_epoch);
// "role=device, site=north", or "no attributes", for logs.
std::string describe_attributes(const Attributes& attributes);

// A stored token as `portico token list` shows it: its id is the file's name (the secret's SHA-256, which does
// not redeem it), never the secret.
struct StoredToken {
  std::string id;
  Attributes attributes;
  std::uint64_t uses = 0;        // left
  std::uint64_t expires_at = 0;
  bool damaged = false;          // the file does not parse (the hub refuses it)
};

// Token ids are 64 lower-case hex digits.
bool is_token_id(std::string_view id);

class TokenStore {
 public:
  // Tokens are kept in data_dir / kTokenDirectory, created (mode 0700) by the first create().
  explicit TokenStore(const std::filesystem::path& data_dir) : dir_(data_dir / kTokenDirectory) {}

  // A new token good for `uses` redemptions (1..kMaxTokenUses) until `expires_at`; returns its secret.
  Result<TokenSecret> create(const Attributes& attributes, std::uint32_t uses, std::uint64_t expires_at) const;

  // Spends one use of the token and returns its attributes. Errors (TokenError): unknown, expired, used_up,
  // damaged; or the file system's error.
  Result<Attributes> redeem(const TokenSecret& secret, std::uint64_t now) const;

  // Every token file, sorted by id (at most kMaxListedTokens); a missing directory is no tokens.
  Result<std::vector<StoredToken>> list() const;
  // Deletes the token with `id`: TokenError::unknown when there is none, std::errc::invalid_argument for an id
  // that is not one.
  std::error_code remove(std::string_view id) const;

  // Deletes the files of tokens expired at `now`; returns how many.
  std::size_t prune(std::uint64_t now) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace portico::identity
