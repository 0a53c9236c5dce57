#include "token_command.hpp"

#include <charconv>
#include <cstdio>

#include "config.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/vault.hpp"
#include "platform/platform.hpp"

namespace portico::agent {
namespace {

constexpr const char* kUsage = "usage: portico token [--uses N] [--ttl DURATION] [key=value ...]";

std::optional<std::uint64_t> parse_whole(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.front() == '0') return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The hub's configuration as far as the data dir goes: load_config() validates OCKAM_DATA and friends exactly
// as for the hub, here told it is a hub whatever OCKAM_IN/OCKAM_OUT/OCKAM_LISTEN say.
std::variant<Config, ConfigError> hub_config() {
  const Environment process = process_environment();
  return load_config([&process](std::string_view name) -> std::optional<std::string> {
    if (name == "OCKAM_IN" || name == "OCKAM_OUT") return std::nullopt;
    if (name == "OCKAM_LISTEN") return std::string("0.0.0.0:4000");
    return process(name);
  });
}

std::string plural(std::uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::uint64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  const auto count = parse_whole(text.substr(0, text.size() - 1));
  const auto max = static_cast<std::uint64_t>(kMaxTokenTtl.count());
  if (!count || *count > max / unit) return std::nullopt;
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*count * unit));
}

std::variant<TokenArguments, std::string> parse_token_arguments(const std::vector<std::string>& arguments) {
  TokenArguments parsed;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument == "--uses" || argument == "--ttl") {
      if (i + 1 == arguments.size()) return argument + " needs a value";
      const std::string& value = arguments[++i];
      if (argument == "--uses") {
        const auto uses = parse_whole(value);
        if (!uses || *uses > identity::kMaxTokenUses) {
          return "--uses: '" + value + "' is not a whole number from 1 to " + std::to_string(identity::kMaxTokenUses);
        }
        parsed.uses = static_cast<std::uint32_t>(*uses);
      } else {
        const auto ttl = parse_duration(value);
        if (!ttl) return "--ttl: '" + value + "' is not a duration like 90s, 30m, 24h or 7d (at most 3650d)";
        parsed.ttl = *ttl;
      }
      continue;
    }
    const std::size_t equals = argument.find('=');
    if (argument.starts_with("-") || equals == std::string::npos) {
      return "'" + argument + "' is neither --uses, --ttl nor an attribute key=value";
    }
    const std::string key = argument.substr(0, equals);
    if (!parsed.attributes.emplace(key, argument.substr(equals + 1)).second) {
      return "attribute '" + key + "' is given twice";
    }
    if (identity::validate_attributes(parsed.attributes)) {
      return "attribute '" + argument + "': " + make_error_code(identity::TokenError::bad_attribute).message();
    }
  }
  return parsed;
}

int run_token(const std::vector<std::string>& arguments) {
  auto parsed = parse_token_arguments(arguments);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "portico token: %s (%s)\n", problem->c_str(), kUsage);
    return exit_code::kUsage;
  }
  const TokenArguments& request = std::get<TokenArguments>(parsed);
  auto loaded = hub_config();
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    std::fprintf(stderr, "portico token: %s\n", error->message.c_str());
    return error->exit_code;
  }
  const Config& config = std::get<Config>(loaded);
  const std::string data_dir =
      config.data_dir.value_or(platform::default_data_dir(config.platform_root, {.xdg_data_home = config.xdg_data_home,
                                                                                 .home = config.home})
                                   .string());
  auto hub = identity::Vault(data_dir).load_or_create_identity();
  if (!hub) {
    std::fprintf(stderr, "portico token: OCKAM_DATA: cannot keep the hub identity in %s: %s (example: OCKAM_DATA=/data/portico)\n",
                 data_dir.c_str(), hub.error().message().c_str());
    return exit_code::kData;
  }
  const identity::TokenStore store(data_dir);
  const std::uint64_t now = identity::system_now();
  store.prune(now);
  const std::uint64_t expires_at = now + static_cast<std::uint64_t>(request.ttl.count());
  auto secret = store.create(request.attributes, request.uses, expires_at);
  if (!secret) {
    std::fprintf(stderr, "portico token: OCKAM_DATA: cannot store the token in %s: %s\n", store.dir().c_str(),
                 secret.error().message().c_str());
    return exit_code::kData;
  }
  std::printf("%s\n", identity::format_enrollment_token({hub->identifier(), *secret}).c_str());
  std::fprintf(stderr, "portico token: for hub %s, %s, until %s, %s (data dir %s)\n", hub->identifier().c_str(),
               plural(request.uses, "use").c_str(), identity::format_utc(expires_at).c_str(),
               identity::describe_attributes(request.attributes).c_str(), data_dir.c_str());
  return 0;
}

}  // namespace portico::agent
