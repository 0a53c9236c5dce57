#include "identity/vault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "identity/enrollment_token.hpp"

namespace portico::identity {
namespace {
std::error_code last_error() { return {errno, std::generic_category()}; }
constexpr const char* kIdentityFile = "identity.key";
constexpr const char* kCredentialFile = "credential";
constexpr const char* kHubIdentityFile = "hub_identity";
constexpr std::uintmax_t kMaxSmallFileBytes = 64 * 1024;  // larger than any credential; bounds what is read

// A small file of this vault, refusing anything larger than kMaxSmallFileBytes.
Result<Bytes> read_small_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return ec;
  if (size > kMaxSmallFileBytes) return std::make_error_code(std::errc::file_too_large);
  return read_file(path);
}
}  // namespace

namespace {
// Writes a fresh 0600 file next to `path` under a name no other process uses; returns that name.
Result<std::filesystem::path> write_temporary(const std::filesystem::path& path, ByteView content) {
  const std::filesystem::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                  ::fsync(fd) == 0;
  const std::error_code error = ok ? std::error_code{} : last_error();
  ::close(fd);
  if (error) {
    ::unlink(temporary.c_str());
    return error;
  }
  return temporary;
}
}  // namespace

std::error_code write_private_file(const std::filesystem::path& path, ByteView content) {
  auto temporary = write_temporary(path, content);
  if (!temporary) return temporary.error();
  if (::rename(temporary->c_str(), path.c_str()) != 0) return last_error();
  return {};
}

std::error_code create_private_file(const std::filesystem::path& path, ByteView content) {
  auto temporary = write_temporary(path, content);
  if (!temporary) return temporary.error();
  // link() fails when `path` exists: the whole file appears at once, and only if nobody was first.
  const std::error_code error = ::link(temporary->c_str(), path.c_str()) == 0 ? std::error_code{} : last_error();
  ::unlink(temporary->c_str());
  return error;
}

Result<Bytes> read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return last_error();
  Bytes content;
  std::uint8_t buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) content.insert(content.end(), buffer, buffer + n);
  }
  const std::error_code error = n < 0 ? last_error() : std::error_code{};
  ::close(fd);
  if (error) return error;
  return content;
}

Result<Identity> Vault::load_identity() const {
  auto stored = read_file(dir_ / kIdentityFile);
  if (!stored) return stored.error();
  std::string text(as_chars(*stored));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto secret = from_hex(text);
  if (!secret) return secret.error();
  return Identity::from_secret_key(*secret);  // a damaged key is an error, never silently replaced
}

Result<Identity> Vault::load_or_create_identity() const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return ec;
  const auto path = dir_ / kIdentityFile;
  if (std::filesystem::exists(path, ec)) return load_identity();
  Identity identity = Identity::generate();
  const std::string text = to_hex(identity.secret_key()) + "\n";
  if (auto write_error = create_private_file(path, as_bytes(text))) {
    // Another process started at the same moment created it first: use that one.
    if (write_error == std::errc::file_exists) return load_or_create_identity();
    return write_error;
  }
  return identity;
}

std::error_code Vault::save_credential(const Credential& credential) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return ec;
  return write_private_file(dir_ / kCredentialFile, encode_credential(credential));
}

Result<Credential> Vault::load_credential() const {
  auto stored = read_small_file(dir_ / kCredentialFile);
  if (!stored) return stored.error();
  return decode_credential(*stored);
}

std::error_code Vault::save_hub_identity(std::string_view identifier) const {
  if (!is_identifier(identifier)) return std::make_error_code(std::errc::invalid_argument);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return ec;
  return write_private_file(dir_ / kHubIdentityFile, as_bytes(std::string(identifier) + "\n"));
}

Result<std::string> Vault::load_hub_identity() const {
  auto stored = read_small_file(dir_ / kHubIdentityFile);
  if (!stored) return stored.error();
  std::string text(as_chars(*stored));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!is_identifier(text)) return std::make_error_code(std::errc::invalid_argument);
  return text;
}

}  // namespace portico::identity
