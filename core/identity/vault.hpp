#pragma once
// Vault: the node's secrets and credentials as files in its data dir. Files are mode 0600 and written to a
// temporary name, fsynced and renamed, so a power cut (common on a Pi) never leaves half a key.

#include <filesystem>
#include <string>

#include "identity/credential.hpp"
#include "identity/identity.hpp"

namespace portico::identity {

// Writes `content` to `path` atomically with mode 0600, replacing what was there.
std::error_code write_private_file(const std::filesystem::path& path, ByteView content);
// Like write_private_file, but only when `path` does not exist yet: of two processes creating the same file at
// once, exactly one wins; the other gets std::errc::file_exists and should read the winner's file.
std::error_code create_private_file(const std::filesystem::path& path, ByteView content);
Result<Bytes> read_file(const std::filesystem::path& path);

class Vault {
 public:
  explicit Vault(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The identity kept in identity.key, created (and the directory with it) on first use.
  Result<Identity> load_or_create_identity() const;
  // The identity kept in identity.key; std::errc::no_such_file_or_directory when there is none (nothing created).
  Result<Identity> load_identity() const;

  // The node's credential from the hub (file "credential": encode_credential bytes), replaced on each refresh.
  // Loading reports std::errc::no_such_file_or_directory before the first enrollment.
  std::error_code save_credential(const Credential& credential) const;
  Result<Credential> load_credential() const;

  // The hub identifier this node trusts (file "hub_identity": the identifier and a newline), pinned at
  // enrollment. Loading fails with std::errc::invalid_argument when the file holds no identifier.
  std::error_code save_hub_identity(std::string_view identifier) const;
  Result<std::string> load_hub_identity() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace portico::identity
