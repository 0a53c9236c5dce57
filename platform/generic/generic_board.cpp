#include "platform/generic/generic_board.hpp"

#include "platform/sources.hpp"

namespace portico::platform {

bool GenericBoard::matches(const std::filesystem::path& /*root*/, std::string_view /*arch*/) { return true; }

std::optional<DeviceId> GenericBoard::device_id() const { return machine_id(root_); }

std::string GenericBoard::model() const {
  if (auto model = device_tree_value(root_, "model")) return *model;
  return std::string(kUnknownModel);
}

}  // namespace portico::platform
