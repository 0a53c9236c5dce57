#include "node_state.hpp"

#include <algorithm>
#include <filesystem>
#include <random>

#include "identity/vault.hpp"
#include "relay/relay_messages.hpp"

namespace portico::agent {
namespace {

constexpr std::size_t kMaxRelayNameBytes = 64;  // relay::valid_relay_name()'s limit

bool is_node_id(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Result<unsigned> secure_data_dir(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool existed = fs::exists(data_dir, ec);
  fs::create_directories(data_dir, ec);
  if (ec) return ec;
  const auto before = fs::status(data_dir, ec).permissions();
  if (ec) return ec;
  fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return ec;
  const auto others = fs::perms::group_all | fs::perms::others_all;
  return existed && (before & others) != fs::perms::none ? static_cast<unsigned>(before) : 0u;
}

Result<std::string> load_or_create_node_id(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return ec;
  const std::filesystem::path path = std::filesystem::path(data_dir) / "node-id";
  if (auto stored = identity::read_file(path)) {
    std::string id(as_chars(*stored));
    id = id.substr(0, id.find('\n'));
    if (is_node_id(id)) return id;
    // A damaged file is replaced rather than trusted; the old name cannot be recovered from it anyway.
    std::filesystem::remove(path, ec);
  }
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id += kHex[random() & 0xf];
  if (auto write_error = identity::create_private_file(path, as_bytes(id + "\n"))) {
    if (write_error == std::errc::file_exists) return load_or_create_node_id(data_dir);  // another process won
    return write_error;
  }
  return id;
}

std::string relay_name(const Config& config, const std::string& device_id, const std::string& node_id) {
  if (config.relay) return *config.relay;
  std::string base = relay::valid_relay_name(device_id) ? device_id : node_id;
  const std::string service = config.service_name.value_or("");
  if (service.empty() || !relay::valid_relay_name(service) || service.size() + 2 > kMaxRelayNameBytes) {
    return base;
  }
  // One name per service on the device: the device part gives way so that the service part stays whole.
  base.resize(std::min(base.size(), kMaxRelayNameBytes - service.size() - 1));
  return base + "-" + service;
}

}  // namespace portico::agent
