#include "identity/revocations.hpp"

#include <sys/stat.h>

#include "identity/enrollment_token.hpp"
#include "identity/vault.hpp"
#include "relay/relay_store.hpp"

namespace portico::identity {

std::string encode_revocations(const Revocations& revocations) {
  std::string text;
  for (const auto& [identifier, at] : revocations.revoked_at) text += identifier + ' ' + std::to_string(at) + '\n';
  return text;
}

Revocations decode_revocations(std::string_view text) {
  Revocations decoded;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const auto space = line.find(' ');
    std::uint64_t at = 0;
    if (newline == std::string_view::npos || space == std::string_view::npos ||
        !is_identifier(line.substr(0, space)) || !relay::parse_decimal(line.substr(space + 1), at) ||
        decoded.revoked_at.size() >= kMaxRevocations) {
      ++decoded.bad_lines;
      continue;
    }
    decoded.revoked_at.emplace(std::string(line.substr(0, space)), at);
  }
  return decoded;
}

std::error_code load_revocations(const std::filesystem::path& file, Revocations& out) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    out = {};
    return {};
  }
  auto bytes = read_file(file);
  if (!bytes) return bytes.error();
  out = decode_revocations(as_chars(*bytes));
  return {};
}

std::error_code save_revocations(const std::filesystem::path& file, const Revocations& revocations) {
  return write_private_file(file, as_bytes(encode_revocations(revocations)));
}

bool FileWatch::changed() {
  struct stat st {};
  const bool exists = ::stat(file_.c_str(), &st) == 0;
  const auto inode = exists ? static_cast<std::uint64_t>(st.st_ino) : 0;
  const auto size = exists ? static_cast<std::uint64_t>(st.st_size) : 0;
  const std::int64_t mtime = exists ? std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec : 0;
  const bool differs = exists != existed_ || inode != inode_ || size != size_ || mtime != mtime_ns_;
  existed_ = exists;
  inode_ = inode;
  size_ = size;
  mtime_ns_ = mtime;
  return differs;
}

}  // namespace portico::identity
