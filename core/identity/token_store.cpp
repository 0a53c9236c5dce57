#include "identity/token_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

#include "identity/credential.hpp"
#include "identity/vault.hpp"

namespace portico::identity {
namespace {

constexpr std::string_view kHeader = "portico-token 1";

struct TokenFile {
  std::uint64_t expires_at = 0;
  std::uint64_t uses = 0;
  Attributes attributes;
};

bool printable(std::string_view text, bool allow_space) {
  for (char c : text) {
    if (c < (allow_space ? 0x20 : 0x21) || c > 0x7e) return false;
  }
  return true;
}

std::size_t text_bytes(std::size_t length) {
  return wire::varint_size(static_cast<std::uint32_t>(length)) + length;
}

std::string encode_file(const TokenFile& file) {
  std::string out = std::string(kHeader) + "\nexpires_at " + std::to_string(file.expires_at) + "\nuses " +
                    std::to_string(file.uses) + "\n";
  for (const auto& [key, value] : file.attributes) out += "attribute " + key + "=" + value + "\n";
  return out;
}

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size();
}

// Strict: the exact layout encode_file writes, nothing else.
Result<TokenFile> parse_file(std::string_view text) {
  TokenFile file;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return TokenError::damaged;
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const std::size_t space = line.find(' ');
    const std::string_view name = line.substr(0, space);
    const std::string_view value = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    bool ok = false;
    switch (line_number++) {
      case 0: ok = line == kHeader; break;
      case 1: ok = name == "expires_at" && parse_number(value, file.expires_at); break;
      case 2: ok = name == "uses" && parse_number(value, file.uses); break;
      default: {
        const std::size_t equals = value.find('=');
        if (name != "attribute" || equals == std::string_view::npos) return TokenError::damaged;
        ok = file.attributes.emplace(std::string(value.substr(0, equals)), std::string(value.substr(equals + 1))).second;
      }
    }
    if (!ok) return TokenError::damaged;
  }
  if (line_number < 3 || validate_attributes(file.attributes)) return TokenError::damaged;
  return file;
}

Result<TokenFile> read_token(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return TokenError::unknown;
    return ec;
  }
  if (size > kMaxTokenFileBytes) return TokenError::damaged;
  auto content = read_file(path);
  if (!content) return content.error();
  return parse_file(as_chars(*content));
}

}  // namespace

std::uint64_t system_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count());
}

std::string format_utc(std::uint64_t seconds_since_epoch) {
  const auto t = static_cast<std::time_t>(seconds_since_epoch);
  std::tm utc{};
  char text[32] = "?";
  if (::gmtime_r(&t, &utc) != nullptr) std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string describe_attributes(const Attributes& attributes) {
  if (attributes.empty()) return "no attributes";
  std::string out;
  for (const auto& [key, value] : attributes) out += (out.empty() ? "" : ", ") + key + "=" + value;
  return out;
}

std::error_code validate_attributes(const Attributes& attributes) {
  if (attributes.size() > kMaxAttributes) return TokenError::bad_attribute;
  // version, subject and issuer (identifiers), issued_at and expires_at, the count, the attributes, signature
  std::size_t credential_bytes = 1 + 2 * text_bytes(kIdentifierChars) + 16 + wire::varint_size(static_cast<std::uint32_t>(kMaxAttributes)) +
                                 kSignatureBytes;
  for (const auto& [key, value] : attributes) {
    if (key.empty() || key.size() > kMaxCredentialText || key.find('=') != std::string::npos ||
        !printable(key, false)) {
      return TokenError::bad_attribute;
    }
    if (value.size() > kMaxCredentialText || !printable(value, true)) return TokenError::bad_attribute;
    credential_bytes += text_bytes(key.size()) + text_bytes(value.size());
  }
  if (credential_bytes > kMaxCredentialBytes) return TokenError::bad_attribute;
  return {};
}

Result<TokenSecret> TokenStore::create(const Attributes& attributes, std::uint32_t uses,
                                       std::uint64_t expires_at) const {
  if (auto error = validate_attributes(attributes)) return error;
  if (uses == 0 || uses > kMaxTokenUses) return std::make_error_code(std::errc::invalid_argument);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return ec;
  ::chmod(dir_.c_str(), 0700);  // best effort: the names are digests, but nobody else needs to list them
  const TokenSecret secret = random_token_secret();
  const std::string content = encode_file(TokenFile{expires_at, uses, attributes});
  // Exclusive: two secrets with one digest would be a SHA-256 collision, so this only guards against bugs.
  if (auto error = create_private_file(dir_ / token_digest(secret), as_bytes(content))) return error;
  return secret;
}

Result<Attributes> TokenStore::redeem(const TokenSecret& secret, std::uint64_t now) const {
  const std::filesystem::path path = dir_ / token_digest(secret);
  auto file = read_token(path);
  if (!file) return file.error();
  std::error_code ec;
  if (now >= file->expires_at) {
    std::filesystem::remove(path, ec);
    return TokenError::expired;
  }
  if (file->uses == 0) {
    std::filesystem::remove(path, ec);
    return TokenError::used_up;
  }
  if (file->uses == 1) {
    // Deleting is the spending: if it fails, the token was not used.
    if (!std::filesystem::remove(path, ec)) return ec ? ec : std::error_code(TokenError::unknown);
  } else {
    --file->uses;
    if (auto error = write_private_file(path, as_bytes(encode_file(*file)))) return error;
  }
  return std::move(file->attributes);
}

bool is_token_id(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::vector<StoredToken>> TokenStore::list() const {
  std::vector<StoredToken> tokens;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return tokens;
  for (auto it = std::filesystem::directory_iterator(dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_token_id(name)) continue;  // a temporary, or not ours
    if (tokens.size() >= kMaxListedTokens) break;
    StoredToken token{.id = name};
    auto file = read_token(it->path());
    if (file) {
      token.attributes = std::move(file->attributes);
      token.uses = file->uses;
      token.expires_at = file->expires_at;
    } else if (file.error() == TokenError::unknown) {
      continue;  // redeemed or deleted meanwhile
    } else {
      token.damaged = true;
    }
    tokens.push_back(std::move(token));
  }
  if (ec) return ec;
  std::sort(tokens.begin(), tokens.end(), [](const StoredToken& a, const StoredToken& b) { return a.id < b.id; });
  return tokens;
}

std::error_code TokenStore::remove(std::string_view id) const {
  if (!is_token_id(id)) return std::make_error_code(std::errc::invalid_argument);
  std::error_code ec;
  if (std::filesystem::remove(dir_ / std::string(id), ec)) return {};
  return ec ? ec : std::error_code(TokenError::unknown);
}

std::size_t TokenStore::prune(std::uint64_t now) const {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 64 || name.find('.') != std::string::npos) continue;  // not a token (e.g. a temporary)
    auto file = read_token(entry.path());
    if (file && now >= file->expires_at && std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace portico::identity
