#include "config_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

// GCC 12 reports -Wdangling-pointer inside yaml-cpp 0.7's node/impl.h for every map lookup; the header is not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "config_values.hpp"

namespace portico::agent {
namespace {

// Thrown inside the walk only, caught by parse_config_file: the first problem ends the parse.
struct FileProblem {
  std::string message;
};

using Aliases = std::map<std::string_view, std::string_view>;

struct Entry {
  std::string key;
  YAML::Node value;
  int line;  // the key's
};

// Wrong names people are likely to write: the variable's word where the file uses another, or a key at the
// wrong level.
const Aliases kTopAliases{{"in", "inlets"},   {"out", "outlets"},      {"forward", "inlets"},
                          {"relay", "outlets"}, {"target", "outlets"}, {"portals", "inlets or outlets"}};
const Aliases kInletAliases{{"in", "listen"}, {"forward", "relay"}, {"forward_identity", "relay_identity"},
                            {"identity", "relay_identity"}};
const Aliases kOutletAliases{{"out", "target"}, {"name", "relay"}, {"policy", "allow"}};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string key, const std::vector<std::string_view>& known, const Aliases& aliases) {
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  if (key.starts_with("ockam_")) key.erase(0, 6);  // OCKAM_HUB -> hub
  if (auto alias = aliases.find(key); alias != aliases.end()) return "; did you mean " + std::string(alias->second) + "?";
  if (find_setting_by_key("limits." + key)) return "; it belongs under limits:";
  std::string_view best;
  std::size_t best_distance = 3;  // at most two edits away
  for (std::string_view candidate : known) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return best.empty() ? "" : "; did you mean " + std::string(best) + "?";
}

class Walker {
 public:
  explicit Walker(std::string_view name) : name_(name) {}

  [[noreturn]] void fail(const YAML::Node& at, std::string_view key, std::string_view problem,
                         std::string_view example = {}) const {
    throw FileProblem{file_problem(name_, line(at), key, problem, example)};
  }

  [[noreturn]] void fail_at(int line, std::string_view key, std::string_view problem, std::string_view example) const {
    throw FileProblem{file_problem(name_, line, key, problem, example)};
  }

  int line(const YAML::Node& node) const { return node.Mark().is_null() ? 1 : node.Mark().line + 1; }

  // A map's entries in order, keys checked to be scalars, known and given once.
  std::vector<Entry> entries(const YAML::Node& map, std::string_view path,
                                                           const std::vector<std::string_view>& known,
                                                           const Aliases& aliases) const {
    std::vector<Entry> out;
    std::map<std::string, int> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // A copy: the iterator hands out a temporary pair, a reference to its member would dangle.
      const YAML::Node key_node = it->first;
      if (!key_node.IsScalar()) fail(key_node, path.empty() ? "(key)" : path, "a key must be a plain name");
      const std::string key = key_node.Scalar();
      const std::string full = path.empty() ? key : std::string(path) + "." + key;
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        fail(key_node, full, "unknown key" + suggestion(key, known, aliases));
      }
      if (auto [first, fresh] = seen.emplace(key, line(key_node)); !fresh) {
        fail(key_node, full, "given twice (first on line " + std::to_string(first->second) + ")");
      }
      out.push_back(Entry{key, it->second, line(key_node)});
    }
    return out;
  }

  // key_line: an empty value has no position of its own (yaml-cpp marks the next token), its key has.
  std::string scalar(const YAML::Node& node, std::string_view key, std::string_view example, int key_line) const {
    if (node.IsNull()) fail_at(key_line, key, "has no value", example);
    if (node.IsMap()) fail(node, key, "is a map, not a single value", example);
    if (node.IsSequence()) fail(node, key, "is a list, not a single value", example);
    return node.Scalar();
  }

  template <typename T>
  T value(std::variant<T, ValueProblem> parsed, const YAML::Node& at, std::string_view key,
          std::string_view short_key) const {
    if (auto* p = std::get_if<ValueProblem>(&parsed)) fail(at, key, p->problem, std::string(short_key) + ": " + p->example);
    return std::move(std::get<T>(parsed));
  }

  void setting(const Setting& s, const Entry& entry, std::string_view key, Config& config) const {
    const YAML::Node& node = entry.value;
    const std::string_view short_key = std::string_view(s.key).substr(std::string_view(s.key).rfind('.') + 1);
    Config probe;
    // The example comes from the parser; ask it with an empty value when the node has none to give.
    std::string example;
    if (auto p = s.apply("", probe)) example = std::string(short_key) + ": " + p->example;
    const std::string text = scalar(node, key, example, entry.line);
    if (auto p = s.apply(text, config)) fail(node, key, p->problem, std::string(short_key) + ": " + p->example);
  }

  // allow: "k=v,k=v", any, or a map {k: v}; parsed by OCKAM_ALLOW's parser in every form.
  std::map<std::string, std::string> allow(const Entry& entry, std::string_view key) const {
    const YAML::Node& node = entry.value;
    const std::string example = "allow: role=operator";
    if (!node.IsMap()) return value(parse_allow(scalar(node, key, example, entry.line)), node, key, "allow");
    if (node.size() == 0) fail(node, key, "is an empty map; write allow: any to let any member in", example);
    std::string text;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      const std::string attribute = std::string(key) + "." + name;
      const std::string v = scalar(it->second, attribute, "allow: {role: operator}", line(it->first));
      if (name.empty() || name.find_first_of(",=") != std::string::npos || v.find(',') != std::string::npos) {
        fail(it->first, attribute, "an attribute name or value cannot hold , or = (nor a name be empty)",
             "allow: {role: operator}");
      }
      text += (text.empty() ? "" : ",") + name + "=" + v;
    }
    return value(parse_allow(text), node, key, "allow");
  }

  FileInlet inlet(const YAML::Node& node, std::string_view path) const {
    if (!node.IsMap()) fail(node, path, "is not a map of listen, relay, relay_identity", "- {listen: 127.0.0.1:15432, relay: pg-1}");
    FileInlet inlet;
    inlet.line = line(node);
    bool listen = false;
    for (const Entry& entry : entries(node, path, {"listen", "relay", "relay_identity"}, kInletAliases)) {
      const std::string& key = entry.key;
      const YAML::Node& v = entry.value;
      const std::string full = std::string(path) + "." + key;
      if (key == "listen") {
        inlet.options.listen = value(parse_host_port(scalar(v, full, "listen: 127.0.0.1:15432", entry.line), "127.0.0.1:15432"), v,
                                     full, key);
        listen = true;
      } else if (key == "relay") {
        inlet.options.relay = value(parse_relay_name(scalar(v, full, "relay: pg-1", entry.line)), v, full, key);
      } else {
        inlet.options.relay_identity = value(
            parse_identifier(scalar(v, full, "relay_identity: I7c1e…", entry.line), "the outlet", "I7c1e…"), v, full, key);
      }
    }
    if (!listen) fail(node, std::string(path) + ".listen", "missing", "listen: 127.0.0.1:15432");
    if (inlet.options.relay.empty()) fail(node, std::string(path) + ".relay", "missing: the outlet's relay name", "relay: pg-1");
    return inlet;
  }

  FileOutlet outlet(const YAML::Node& node, std::string_view path) const {
    if (!node.IsMap()) fail(node, path, "is not a map of relay, target, allow, max_streams_per_peer", "- {relay: pg-1, target: 127.0.0.1:5432}");
    FileOutlet outlet;
    outlet.line = line(node);
    bool target = false;
    for (const Entry& entry : entries(node, path, {"relay", "target", "allow", "max_streams_per_peer"}, kOutletAliases)) {
      const std::string& key = entry.key;
      const YAML::Node& v = entry.value;
      const std::string full = std::string(path) + "." + key;
      if (key == "relay") {
        outlet.options.relay = value(parse_relay_name(scalar(v, full, "relay: pg-1", entry.line)), v, full, key);
      } else if (key == "target") {
        outlet.options.target = value(parse_host_port(scalar(v, full, "target: 127.0.0.1:5432", entry.line), "127.0.0.1:5432"), v,
                                      full, key);
        target = true;
      } else if (key == "allow") {
        outlet.options.allow = allow(entry, full);
        outlet.options.allow_is_default = false;
        outlet.own_allow = true;
      } else {
        outlet.options.max_streams_per_peer =
            value(parse_count(scalar(v, full, "max_streams_per_peer: 32", entry.line), 1000000, "256"), v, full, key);
        outlet.own_max_streams = true;
      }
    }
    if (!target) fail(node, std::string(path) + ".target", "missing", "target: 127.0.0.1:5432");
    return outlet;
  }

  template <typename Item, typename Parse>
  std::vector<Item> list(const YAML::Node& node, std::string_view key, std::string_view example, Parse parse) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail(node, key, "is not a list (each entry starts with -)", example);
    std::vector<Item> items;
    for (std::size_t i = 0; i < node.size(); ++i) {
      items.push_back(parse(node[i], std::string(key) + "[" + std::to_string(i) + "]"));
    }
    return items;
  }

 private:
  std::string name_;
};

std::vector<std::string_view> top_level_keys() {
  std::vector<std::string_view> keys{"limits", "inlets", "outlets"};
  for (const Setting& s : node_settings()) {
    if (!std::string_view(s.key).starts_with("limits.")) keys.emplace_back(s.key);
  }
  return keys;
}

std::vector<std::string_view> limit_keys() {
  std::vector<std::string_view> keys;
  for (const Setting& s : node_settings()) {
    if (std::string_view(s.key).starts_with("limits.")) keys.push_back(std::string_view(s.key).substr(7));
  }
  return keys;
}

// What no single key shows: names and addresses that two portals cannot share, and a hub with portals.
void check_portals(const Walker& w, const FileConfig& file, const YAML::Node& root) {
  const FileOutlet* unnamed = nullptr;
  for (std::size_t i = 0; i < file.outlets.size(); ++i) {
    const FileOutlet& o = file.outlets[i];
    const std::string path = "outlets[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < i; ++j) {
      if (o.options.relay && file.outlets[j].options.relay == o.options.relay) {
        w.fail(root["outlets"][i]["relay"], path + ".relay",
               "'" + *o.options.relay + "' is also the relay name of outlets[" + std::to_string(j) + "] (line " +
                   std::to_string(file.outlets[j].line) + "): each outlet needs its own",
               "relay: " + *o.options.relay + "-2");
      }
    }
    if (!o.options.relay && unnamed) {
      w.fail(root["outlets"][i], path + ".relay",
             "missing: only one outlet can take the device's relay name, and the one on line " +
                 std::to_string(unnamed->line) + " does",
             "relay: pg-1");
    }
    if (!o.options.relay) unnamed = &o;
  }
  for (std::size_t i = 0; i < file.inlets.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const HostPort& a = file.inlets[i].options.listen;
      const HostPort& b = file.inlets[j].options.listen;
      if (listen_addresses_overlap(a, b)) {
        w.fail(root["inlets"][i]["listen"], "inlets[" + std::to_string(i) + "].listen",
               "'" + a.to_string() + "' overlaps inlets[" + std::to_string(j) + "].listen '" + b.to_string() +
                   "' (line " + std::to_string(file.inlets[j].line) + "): one port, one inlet",
               "listen: " + a.host + ":" + std::to_string(a.port == 65535 ? 1 : a.port + 1));
      }
    }
  }
  if (file.config.listen.port != 0 && (!file.inlets.empty() || !file.outlets.empty())) {
    w.fail(root["listen"], "listen", "a hub has no inlets or outlets: run the hub and the portals as separate agents");
  }
  const auto token = file.config.enroll;
  if (token && file.config.hub_identity && token->hub_identifier != *file.config.hub_identity) {
    w.fail(root["hub_identity"], "hub_identity",
           "'" + *file.config.hub_identity + "' is not the hub named in enroll (" + token->hub_identifier + ")",
           "hub_identity: " + token->hub_identifier);
  }
}

FileConfig walk(const YAML::Node& root, std::string_view name) {
  Walker w(name);
  FileConfig file;
  file.name = std::string(name);
  if (!root.IsMap()) w.fail(root, "(top)", "the file is not a map of settings", "hub: hub.example.com:4000");
  for (const Entry& entry : w.entries(root, "", top_level_keys(), kTopAliases)) {
    const std::string& key = entry.key;
    const YAML::Node& v = entry.value;
    file.lines[key] = entry.line;
    if (key == "limits") {
      if (!v.IsMap()) w.fail_at(entry.line, key, "is not a map", "limits: {max_connections: 1024}");
      for (const Entry& limit : w.entries(v, "limits", limit_keys(), {})) {
        w.setting(*find_setting_by_key("limits." + limit.key), limit, "limits." + limit.key, file.config);
      }
    } else if (key == "inlets") {
      file.inlets = w.list<FileInlet>(v, key, "inlets: [{listen: 127.0.0.1:15432, relay: pg-1}]",
                                      [&](const YAML::Node& n, const std::string& p) { return w.inlet(n, p); });
    } else if (key == "outlets") {
      file.outlets = w.list<FileOutlet>(v, key, "outlets: [{relay: pg-1, target: 127.0.0.1:5432}]",
                                        [&](const YAML::Node& n, const std::string& p) {
                                          return w.outlet(n, p);
                                        });
    } else {
      w.setting(*find_setting_by_key(key), entry, key, file.config);
    }
  }
  check_portals(w, file, root);
  return file;
}

ConfigError config_error(std::string message) {
  return ConfigError{"OCKAM_CONFIG", std::move(message), exit_code::kConfig};
}

}  // namespace

std::string file_problem(std::string_view name, int line, std::string_view key, std::string_view problem,
                         std::string_view example) {
  std::string out = std::string(name) + ":" + std::to_string(line) + ": " + std::string(key) + ": " + std::string(problem);
  if (!example.empty()) out += " (example: " + std::string(example) + ")";
  return out;
}

std::variant<FileConfig, ConfigError> parse_config_file(std::string_view text, std::string_view name) {
  if (text.size() > kMaxConfigFileBytes) {
    return config_error(std::string(name) + ": larger than " + std::to_string(kMaxConfigFileBytes) + " bytes");
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const int column = e.mark.is_null() ? 1 : e.mark.column + 1;
    return config_error(std::string(name) + ":" + std::to_string(line) + ": not YAML: " + e.msg + " (column " +
                        std::to_string(column) + ")");
  }
  if (documents.empty() || documents[0].IsNull()) {
    return config_error(std::string(name) + ":1: the file is empty: no settings, inlets or outlets (example: "
                        "docs/portico.example.yaml)");
  }
  if (documents.size() > 1) {
    return config_error(file_problem(name, documents[1].Mark().line + 1, "---",
                                     "a second YAML document: the file holds one"));
  }
  try {
    return walk(documents[0], name);
  } catch (const FileProblem& problem) {
    return config_error(problem.message);
  } catch (const YAML::Exception& e) {
    return config_error(std::string(name) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::variant<FileConfig, ConfigError> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return config_error("OCKAM_CONFIG: cannot read " + path + ": " + std::strerror(errno) +
                        " (example: OCKAM_CONFIG=/etc/portico/portico.yaml)");
  }
  std::string text(kMaxConfigFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return config_error("OCKAM_CONFIG: cannot read " + path + ": " + std::strerror(errno));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_config_file(text, path);
}

}  // namespace portico::agent
