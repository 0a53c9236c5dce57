#include "identity/vault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>

namespace portico::identity {
namespace {
std::error_code last_error() { return {errno, std::generic_category()}; }
constexpr const char* kIdentityFile = "identity.key";
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
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::make_error_code(std::errc::no_such_file_or_directory);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<Identity> Vault::load_or_create_identity() const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return ec;
  const auto path = dir_ / kIdentityFile;
  if (std::filesystem::exists(path, ec)) {
    auto stored = read_file(path);
    if (!stored) return stored.error();
    std::string text(as_chars(*stored));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto secret = from_hex(text);
    if (!secret) return secret.error();
    return Identity::from_secret_key(*secret);  // a damaged key is an error, never silently replaced
  }
  Identity identity = Identity::generate();
  const std::string text = to_hex(identity.secret_key()) + "\n";
  if (auto write_error = create_private_file(path, as_bytes(text))) {
    // Another process started at the same moment created it first: use that one.
    if (write_error == std::errc::file_exists) return load_or_create_identity();
    return write_error;
  }
  return identity;
}

}  // namespace portico::identity
