#pragma once
// Revocations: the identities the hub no longer admits, file "revoked" in the hub's data dir.
//
//   revoked = line*
//   line    = identifier SP revoked_at LF     identifier: "I" + 64 hex digits; revoked_at: decimal seconds
//                                             since the epoch
// `portico revoke IDENTIFIER` adds a line (the file is rewritten atomically, mode 0600); the hub reads it at
// start and whenever it changes (RevocationFile::changed, polled every kRevocationPoll), so a revocation
// reaches a running hub within a second and survives restarts. Decoding is strict per line: a bad line is
// counted and skipped.
//
// Thread safety: none.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

namespace portico::identity {

inline constexpr std::string_view kRevocationFile = "revoked";
inline constexpr std::chrono::seconds kRevocationPoll{1};
inline constexpr std::size_t kMaxRevocations = 100000;

struct Revocations {
  std::map<std::string, std::uint64_t> revoked_at;  // identifier -> seconds since the epoch
  std::size_t bad_lines = 0;
  bool contains(const std::string& identifier) const { return revoked_at.contains(identifier); }
};

std::string encode_revocations(const Revocations& revocations);
Revocations decode_revocations(std::string_view text);

// Missing file: nothing revoked (no error).
std::error_code load_revocations(const std::filesystem::path& file, Revocations& out);
std::error_code save_revocations(const std::filesystem::path& file, const Revocations& revocations);

// Notices changes to a file by its inode, size and modification time (a rename replaces the inode).
class FileWatch {
 public:
  explicit FileWatch(std::filesystem::path file) : file_(std::move(file)) {}
  // True when the file differs from the last call (the first call: when it exists).
  bool changed();

 private:
  std::filesystem::path file_;
  std::uint64_t inode_ = 0, size_ = 0;
  std::int64_t mtime_ns_ = 0;
  bool existed_ = false;
};

}  // namespace portico::identity
