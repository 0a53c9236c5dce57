#include <portico/version.hpp>

namespace portico {

// PORTICO_VERSION is set on this file alone (core/CMakeLists.txt), so a new version recompiles one file.
std::string_view version() { return PORTICO_VERSION; }

}  // namespace portico
