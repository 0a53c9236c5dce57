#include "token_command.hpp"

#include <charconv>
#include <cstdio>

#include "config.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/vault.hpp"
#include "platform/platform.hpp"
#include "util/json.hpp"

namespace portico::agent {
namespace {

constexpr const char* kUsage = "usage: portico token [create] [--uses N] [--ttl DURATION] [key=value ...] | "
                               "portico token list | portico token delete ID";

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

// The hub's data dir, or empty after a one-line error.
std::string hub_data_dir() {
  auto loaded = hub_config();
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    std::fprintf(stderr, "portico token: %s\n", error->message.c_str());
    return {};
  }
  const Config& config = std::get<Config>(loaded);
  return config.data_dir.value_or(platform::default_data_dir(config.platform_root, {.xdg_data_home = config.xdg_data_home,
                                                                                    .home = config.home})
                                      .string());
}

void attributes_json(util::JsonWriter& json, const identity::Attributes& attributes) {
  json.key("attributes").begin_object();
  for (const auto& [key, value] : attributes) json.key(key).value(value);
  json.end_object();
}

int list_tokens(bool json) {
  const std::string dir = hub_data_dir();
  if (dir.empty()) return exit_code::kData;
  const identity::TokenStore store(dir);
  auto tokens = store.list();
  if (!tokens) {
    std::fprintf(stderr, "portico token: OCKAM_DATA: cannot read %s: %s\n", store.dir().c_str(),
                 tokens.error().message().c_str());
    return exit_code::kData;
  }
  const std::uint64_t now = identity::system_now();
  if (json) {
    util::JsonWriter out;
    out.begin_array();
    for (const auto& token : *tokens) {
      out.begin_object().key("id").value(token.id).key("uses").value(token.uses);
      out.key("expires_at").value(token.expires_at).key("expired").value(token.expires_at <= now);
      attributes_json(out, token.attributes);
      out.key("damaged").value(token.damaged).end_object();
    }
    std::printf("%s\n", out.end_array().text().c_str());
  } else {
    for (const auto& token : *tokens) {
      if (token.damaged) {
        std::printf("%s damaged (the hub refuses it)\n", token.id.c_str());
        continue;
      }
      std::printf("%s %s, %s %s, %s\n", token.id.c_str(), plural(token.uses, "use").c_str(),
                  token.expires_at <= now ? "expired" : "until", identity::format_utc(token.expires_at).c_str(),
                  identity::describe_attributes(token.attributes).c_str());
    }
  }
  std::fprintf(stderr, "portico token: %zu tokens in %s\n", tokens->size(), store.dir().c_str());
  return 0;
}

int delete_token(const std::vector<std::string>& arguments, bool json) {
  if (arguments.size() != 2) {
    std::fprintf(stderr, "portico token delete: needs one token id, as `portico token list` prints it (%s)\n", kUsage);
    return exit_code::kUsage;
  }
  const std::string& id = arguments[1];
  if (!identity::is_token_id(id)) {
    std::fprintf(stderr, "portico token delete: '%s' is not a token id (64 hex digits, from `portico token list`)\n",
                 id.c_str());
    return exit_code::kUsage;
  }
  const std::string dir = hub_data_dir();
  if (dir.empty()) return exit_code::kData;
  const identity::TokenStore store(dir);
  if (auto ec = store.remove(id)) {
    if (ec == identity::TokenError::unknown) {
      std::fprintf(stderr, "portico token delete: no token %s in %s\n", id.c_str(), store.dir().c_str());
      return 1;
    }
    std::fprintf(stderr, "portico token delete: OCKAM_DATA: cannot delete %s in %s: %s\n", id.c_str(),
                 store.dir().c_str(), ec.message().c_str());
    return exit_code::kData;
  }
  if (json) {
    util::JsonWriter out;
    std::printf("%s\n", out.begin_object().key("deleted").value(id).end_object().text().c_str());
  }
  std::fprintf(stderr, "portico token: deleted %s; it enrolls nobody from now on\n", id.c_str());
  return 0;
}

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

int run_token(const std::vector<std::string>& all_arguments, bool json) {
  if (!all_arguments.empty() && all_arguments[0] == "list") {
    if (all_arguments.size() != 1) {
      std::fprintf(stderr, "portico token list: takes no arguments (got '%s')\n", all_arguments[1].c_str());
      return exit_code::kUsage;
    }
    return list_tokens(json);
  }
  if (!all_arguments.empty() && all_arguments[0] == "delete") return delete_token(all_arguments, json);
  // "create" is the default: `portico token role=device` keeps working.
  const bool create = !all_arguments.empty() && all_arguments[0] == "create";
  const std::vector<std::string> arguments(all_arguments.begin() + (create ? 1 : 0), all_arguments.end());
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
  const std::string token = identity::format_enrollment_token({hub->identifier(), *secret});
  if (json) {
    util::JsonWriter out;
    out.begin_object().key("token").value(token).key("id").value(identity::token_digest(*secret));
    out.key("hub").value(hub->identifier()).key("uses").value(request.uses).key("expires_at").value(expires_at);
    attributes_json(out, request.attributes);
    std::printf("%s\n", out.end_object().text().c_str());
  } else {
    std::printf("%s\n", token.c_str());
  }
  std::fprintf(stderr, "portico token: for hub %s, %s, until %s, %s (data dir %s)\n", hub->identifier().c_str(),
               plural(request.uses, "use").c_str(), identity::format_utc(expires_at).c_str(),
               identity::describe_attributes(request.attributes).c_str(), data_dir.c_str());
  return 0;
}

}  // namespace portico::agent
