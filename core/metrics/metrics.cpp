#include "metrics/metrics.hpp"

namespace portico::metrics {
namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_prometheus(const Snapshot& s) {
  const Counters& c = s.counters;
  std::string out;
  out.reserve(2048);
  metric(out, "portico_info", "gauge", "Always 1; the labels say which role and version this agent runs.");
  sample(out, "portico_info",
         "role=\"" + escape_label_value(s.role) + "\",version=\"" + escape_label_value(s.version) + "\"", 1);
  metric(out, "portico_portal_bytes_total", "counter",
         "Portal payload bytes: in = read from local TCP connections into portals, out = written from portals "
         "to local TCP connections.");
  sample(out, "portico_portal_bytes_total", "direction=\"in\"", c.portal_bytes_in);
  sample(out, "portico_portal_bytes_total", "direction=\"out\"", c.portal_bytes_out);
  metric(out, "portico_portal_open_streams", "gauge", "Portal streams open now.");
  sample(out, "portico_portal_open_streams", "", s.open_streams);
  metric(out, "portico_portal_streams_opened_total", "counter", "Portal streams opened since start.");
  sample(out, "portico_portal_streams_opened_total", "", c.streams_opened);
  metric(out, "portico_relays_registered", "gauge",
         "Hub: relay names registered. Outlet: 1 while its relay is registered at the hub.");
  sample(out, "portico_relays_registered", "", s.relays_registered);
  metric(out, "portico_relay_registrations_total", "counter",
         "Relay registrations the hub confirmed to this outlet (first and after reconnects).");
  sample(out, "portico_relay_registrations_total", "", c.relay_registrations);
  metric(out, "portico_hub_link_reconnects_total", "counter", "Times the link to the hub came back after a drop.");
  sample(out, "portico_hub_link_reconnects_total", "", c.reconnects);
  metric(out, "portico_handshake_failures_total", "counter", "Secure channel handshakes that failed.");
  sample(out, "portico_handshake_failures_total", "", c.handshake_failures);
  if (s.hub_link_up) {
    metric(out, "portico_hub_link_up", "gauge", "1 while the link to the hub is up, else 0.");
    sample(out, "portico_hub_link_up", "", *s.hub_link_up ? 1 : 0);
  }
  return out;
}

}  // namespace portico::metrics
