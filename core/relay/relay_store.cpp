#include "relay/relay_store.hpp"

#include <charconv>

#include "identity/vault.hpp"
#include "relay/relay_messages.hpp"

namespace portico::relay {

bool parse_decimal(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text.front() == '0')) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool printable_token(std::string_view text, std::size_t max_size) {
  if (text.empty() || text.size() > max_size) return false;
  for (const char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string encode_relays(const std::vector<StoredRelay>& relays) {
  std::string text;
  for (const auto& relay : relays) {
    text += relay.name + ' ' + relay.owner + ' ' + std::to_string(relay.last_seen) + '\n';
  }
  return text;
}

DecodedRelays decode_relays(std::string_view text) {
  DecodedRelays decoded;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const auto first = line.find(' ');
    const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    StoredRelay relay;
    if (newline == std::string_view::npos || second == std::string_view::npos) {
      ++decoded.bad_lines;
      continue;
    }
    const std::string_view name = line.substr(0, first), owner = line.substr(first + 1, second - first - 1);
    if (!valid_relay_name(name) || !printable_token(owner, kMaxStoredOwner) ||
        !parse_decimal(line.substr(second + 1), relay.last_seen)) {
      ++decoded.bad_lines;
      continue;
    }
    relay.name = std::string(name);
    relay.owner = std::string(owner);
    decoded.relays.push_back(std::move(relay));
  }
  return decoded;
}

std::error_code load_relays(const std::filesystem::path& file, DecodedRelays& out) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  auto bytes = identity::read_file(file);
  if (!bytes) return bytes.error();
  out = decode_relays(as_chars(*bytes));
  return {};
}

std::error_code save_relays(const std::filesystem::path& file, const std::vector<StoredRelay>& relays) {
  const std::string text = encode_relays(relays);
  return identity::write_private_file(file, as_bytes(text));
}

}  // namespace portico::relay
