#include "metrics/status.hpp"

#include <algorithm>
#include <ctime>

#include "util/json.hpp"

namespace portico::metrics {
namespace {

std::string utc(std::uint64_t seconds) {
  if (seconds == 0) return "unknown";
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  char text[32] = "?";
  if (::gmtime_r(&t, &tm) != nullptr) std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// "3d 4h", "5h 2m", "7m 3s", "12s".
std::string duration(std::uint64_t seconds) {
  const std::uint64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0) return std::to_string(m) + "m " + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string since(std::uint64_t at, std::uint64_t now) {
  if (at == 0) return "unknown";
  return utc(at) + " (" + duration(now > at ? now - at : 0) + " ago)";
}

std::string attributes_text(const std::map<std::string, std::string>& attributes) {
  if (attributes.empty()) return "no attributes";
  std::string out;
  for (const auto& [key, value] : attributes) out += (out.empty() ? "" : ", ") + key + "=" + value;
  return out;
}

std::vector<const RelayStatus*> sorted(const std::vector<RelayStatus>& relays) {
  std::vector<const RelayStatus*> out;
  out.reserve(relays.size());
  for (const auto& relay : relays) out.push_back(&relay);
  std::sort(out.begin(), out.end(), [](const RelayStatus* a, const RelayStatus* b) { return a->name < b->name; });
  return out;
}

}  // namespace

std::string render_status_json(const NodeStatus& s) {
  util::JsonWriter json;
  json.begin_object();
  json.key("role").value(s.role);
  json.key("version").value(s.version);
  json.key("identity").value(s.identity);
  json.key("started_at").value(s.started_at);
  json.key("uptime_seconds").value(s.uptime_seconds);
  if (s.hub) {
    json.key("hub").begin_object();
    json.key("address").value(s.hub->address);
    json.key("link_up").value(s.hub->link_up);
    json.key("since").value(s.hub->since);
    json.key("channel_up").value(s.hub->channel_up);
    json.end_object();
    json.key("credential");
    if (s.credential) {
      json.begin_object().key("attributes").begin_object();
      for (const auto& [key, value] : s.credential->attributes) json.key(key).value(value);
      json.end_object();
      json.key("expires_at").value(s.credential->expires_at);
      json.end_object();
    } else {
      json.null();
    }
  }
  json.key("inlets").begin_array();
  for (const auto& inlet : s.inlets) {
    json.begin_object();
    json.key("listen").value(inlet.listen);
    json.key("relay").value(inlet.relay);
    json.key("open_streams").value(inlet.open_streams);
    json.key("bytes_in").value(inlet.bytes_in);
    json.key("bytes_out").value(inlet.bytes_out);
    json.end_object();
  }
  json.end_array();
  json.key("outlets").begin_array();
  for (const auto& outlet : s.outlets) {
    json.begin_object();
    json.key("relay").value(outlet.relay);
    json.key("target").value(outlet.target);
    json.key("registered").value(outlet.registered);
    json.key("open_streams").value(outlet.open_streams);
    json.key("bytes_in").value(outlet.bytes_in);
    json.key("bytes_out").value(outlet.bytes_out);
    json.end_object();
  }
  json.end_array();
  json.key("peers").begin_array();
  for (const auto& peer : s.peers) {
    json.begin_object();
    json.key("identity").value(peer.identity);
    json.key("streams").value(peer.streams);
    json.key("path").value(peer.path);
    json.end_object();
  }
  json.end_array();
  if (s.role == "hub") {
    json.key("relays").begin_array();
    for (const RelayStatus* relay : sorted(s.relays)) {
      json.begin_object();
      json.key("name").value(relay->name);
      json.key("owner").value(relay->owner);
      json.key("online").value(relay->online);
      json.key("since").value(relay->since);
      json.key("bytes_to_owner").value(relay->bytes_to_owner);
      json.key("bytes_from_owner").value(relay->bytes_from_owner);
      json.key("senders").value(relay->senders);
      json.end_object();
    }
    json.end_array();
    json.key("members_connected").value(s.members_connected.value_or(0));
  }
  json.end_object();
  return std::move(json).str();
}

std::string render_status_text(const NodeStatus& s, std::uint64_t now) {
  std::string out = s.role + " " + s.version + ", identity " + (s.identity.empty() ? "unknown" : s.identity) +
                    ", up " + duration(s.uptime_seconds) + "\n";
  if (s.hub) {
    out += "  hub " + s.hub->address + ": link " + (s.hub->link_up ? "up" : "down") + " since " +
           since(s.hub->since, now) + ", secure channel " + (s.hub->channel_up ? "up" : "down") + "\n";
    if (s.credential) {
      const bool expired = s.credential->expires_at <= now;
      out += "  credential: " + attributes_text(s.credential->attributes) + (expired ? ", expired " : ", expires ") +
             utc(s.credential->expires_at) + "\n";
    } else {
      out += "  credential: none (not enrolled yet)\n";
    }
  }
  for (const auto& inlet : s.inlets) {
    out += "  inlet " + inlet.listen + " -> relay \"" + inlet.relay + "\": " + std::to_string(inlet.open_streams) +
           " open streams, " + std::to_string(inlet.bytes_in) + " bytes in, " + std::to_string(inlet.bytes_out) +
           " bytes out\n";
  }
  for (const auto& outlet : s.outlets) {
    out += "  outlet relay \"" + outlet.relay + "\" " + (outlet.registered ? "registered" : "not registered") +
           " -> " + outlet.target + ": " + std::to_string(outlet.open_streams) + " open streams, " +
           std::to_string(outlet.bytes_in) + " bytes in, " + std::to_string(outlet.bytes_out) + " bytes out\n";
  }
  for (const auto& peer : s.peers) {
    out += "  peer " + peer.identity + " via " + peer.path + ": " + std::to_string(peer.streams) + " streams\n";
  }
  if (s.role == "hub") {
    std::size_t online = 0;
    for (const auto& relay : s.relays) online += relay.online ? 1 : 0;
    out += "  " + std::to_string(s.members_connected.value_or(0)) + " members connected, " +
           std::to_string(s.relays.size()) + " relays (" + std::to_string(online) + " online)\n";
    for (const RelayStatus* relay : sorted(s.relays)) {
      out += "  relay \"" + relay->name + "\" of " + relay->owner + ": " + (relay->online ? "online" : "offline") +
             " since " + since(relay->since, now) + ", " + std::to_string(relay->bytes_to_owner) + " bytes to, " +
             std::to_string(relay->bytes_from_owner) + " from the owner, " + std::to_string(relay->senders) +
             " senders\n";
    }
  }
  return out;
}

}  // namespace portico::metrics

namespace portico::metrics {

StatusRequest classify_status_request(std::string_view received) {
  const std::size_t end = received.find('\n');
  if (end == std::string_view::npos) {
    return received.size() >= kMaxStatusRequestBytes ? StatusRequest::unknown : StatusRequest::incomplete;
  }
  if (end >= kMaxStatusRequestBytes) return StatusRequest::unknown;
  std::string_view line = received.substr(0, end);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line == "health" || line == "ready") return StatusRequest::health;
  if (line == "status") return StatusRequest::status_json;
  if (line == "status text") return StatusRequest::status_text;
  return StatusRequest::unknown;
}

}  // namespace portico::metrics
