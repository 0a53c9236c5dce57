#include "metrics/metrics.hpp"

#include <cstdio>

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

void sample_real(std::string& out, std::string_view name, std::string_view labels, double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(text).append("\n");
}

void process_metrics(std::string& out, const ProcessStats& p) {
  metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  sample(out, "process_resident_memory_bytes", "", p.resident_bytes);
  metric(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  sample(out, "process_open_fds", "", p.open_fds);
  metric(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  sample_real(out, "process_cpu_seconds_total", "", p.cpu_seconds);
  metric(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  sample_real(out, "process_start_time_seconds", "", p.start_time_seconds);
}

void relay_metrics(std::string& out, const std::vector<RelayStatus>& relays) {
  metric(out, "portico_relay_online", "gauge", "Hub: 1 while the node owning the relay name is connected, else 0.");
  for (const auto& r : relays) {
    sample(out, "portico_relay_online", "relay=\"" + escape_label_value(r.name) + "\"", r.online ? 1 : 0);
  }
  metric(out, "portico_relay_bytes_total", "counter",
         "Hub: routed bytes through each relay since the hub started: to_owner = to the owning node, from_owner = "
         "its answers.");
  for (const auto& r : relays) {
    const std::string relay = "relay=\"" + escape_label_value(r.name) + "\"";
    sample(out, "portico_relay_bytes_total", relay + ",direction=\"to_owner\"", r.bytes_to_owner);
    sample(out, "portico_relay_bytes_total", relay + ",direction=\"from_owner\"", r.bytes_from_owner);
  }
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
  if (s.role != "hub") {
    metric(out, "portico_direct_path_attempts_total", "counter", "Rounds of probes to punch a direct path to a peer.");
    sample(out, "portico_direct_path_attempts_total", "", c.direct_rounds);
    metric(out, "portico_direct_path_successes_total", "counter", "Direct paths to a peer proven.");
    sample(out, "portico_direct_path_successes_total", "", c.direct_proven);
    metric(out, "portico_direct_path_losses_total", "counter", "Proven direct paths that went silent.");
    sample(out, "portico_direct_path_losses_total", "", c.direct_lost);
    metric(out, "portico_direct_paths", "gauge", "Peers this node has a proven direct path to now.");
    sample(out, "portico_direct_paths", "", c.direct_paths_up);
    metric(out, "portico_direct_link_bytes_total", "counter",
           "Bytes direct links sent (QUIC packets), by the path they took: direct, or the relay while the direct "
           "path was silent.");
    sample(out, "portico_direct_link_bytes_total", "path=\"direct\"", c.direct_link_bytes_direct);
    sample(out, "portico_direct_link_bytes_total", "path=\"relay\"", c.direct_link_bytes_relay);
  }
  metric(out, "portico_build_info", "gauge", "Always 1; the label says which version this agent was built as.");
  sample(out, "portico_build_info", "version=\"" + escape_label_value(s.version) + "\"", 1);
  if (s.credential_expires_at) {
    metric(out, "portico_credential_expiry_timestamp_seconds", "gauge",
           "When this node's credential from the hub expires, in seconds since the epoch (refreshed at two thirds).");
    sample(out, "portico_credential_expiry_timestamp_seconds", "", *s.credential_expires_at);
  }
  if (s.role == "hub") relay_metrics(out, s.relays);
  if (s.process) process_metrics(out, *s.process);
  if (s.hub_link_up) {
    metric(out, "portico_hub_link_up", "gauge", "1 while the link to the hub is up, else 0.");
    sample(out, "portico_hub_link_up", "", *s.hub_link_up ? 1 : 0);
  }
  return out;
}

}  // namespace portico::metrics
