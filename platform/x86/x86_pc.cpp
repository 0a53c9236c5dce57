#include "platform/x86/x86_pc.hpp"

#include <array>

#include "platform/sources.hpp"

namespace portico::platform {
namespace {

constexpr std::string_view kDmiDir = "/sys/class/dmi/id";

// Strings that firmware vendors leave in SMBIOS fields they did not fill in.
constexpr std::array<std::string_view, 9> kDmiPlaceholders = {
    "To Be Filled By O.E.M.", "To be filled by O.E.M.", "Default string", "System manufacturer",
    "System Product Name",    "Not Applicable",         "Not Specified",  "O.E.M.",
    "None",
};

// A product_uuid that is the same on many machines identifies none of them.
constexpr std::string_view kPlaceholderUuid = "03000200-0400-0500-0006-000700080009";  // common AMI default

bool is_placeholder(std::string_view value) {
  for (std::string_view placeholder : kDmiPlaceholders) {
    if (value == placeholder) return true;
  }
  return false;
}

// 8-4-4-4-12 hex digits, as the kernel prints it.
bool is_uuid(std::string_view text) {
  constexpr std::array<std::size_t, 5> kGroups = {8, 4, 4, 4, 12};
  for (std::size_t i = 0; i < kGroups.size(); ++i) {
    if (text.size() < kGroups[i] || !is_hex(text.substr(0, kGroups[i]))) return false;
    text.remove_prefix(kGroups[i]);
    if (i + 1 < kGroups.size()) {
      if (text.empty() || text.front() != '-') return false;
      text.remove_prefix(1);
    }
  }
  return text.empty();
}

}  // namespace

bool is_x86_arch(std::string_view arch) {
  if (arch == "x86_64" || arch == "amd64" || arch == "x86") return true;
  // i386, i486, i586, i686
  return arch.size() == 4 && arch[0] == 'i' && arch[1] >= '3' && arch[1] <= '6' && arch.substr(2) == "86";
}

bool X86Pc::matches(const std::filesystem::path& root, std::string_view arch) {
  return is_x86_arch(arch) || directory_exists(root, kDmiDir);
}

std::optional<std::string> X86Pc::dmi(std::string_view name) const {
  std::string path(kDmiDir);
  path.append("/").append(name);
  auto value = read_value(root_, path);
  if (!value || is_placeholder(*value)) return std::nullopt;
  return value;
}

std::optional<DeviceId> X86Pc::device_id() const {
  if (auto uuid = dmi("product_uuid")) {
    std::string lower = to_lower(*uuid);
    if (is_uuid(lower) && !consists_of(lower, '0', "-") && !consists_of(lower, 'f', "-") &&
        lower != kPlaceholderUuid) {
      return DeviceId{std::move(lower), id_source::kDmiProductUuid};
    }
  }
  return machine_id(root_);
}

std::string X86Pc::model() const {
  const auto vendor = dmi("sys_vendor");
  const auto product = dmi("product_name");
  if (vendor && product) {
    // Some vendors repeat themselves in product_name ("LENOVO" + "LENOVO ThinkCentre"); say it once.
    if (product->starts_with(*vendor)) return *product;
    return *vendor + " " + *product;
  }
  if (product) return *product;
  if (vendor) return *vendor;
  return std::string(kUnknownModel);
}

}  // namespace portico::platform
