#pragma once
// Portico's public API: the headers under core/include/portico/ are the ones `cmake --install` ships; they include
// only the C++ standard library (and asio), never the internal headers in core/<module>/.

#include <string_view>

namespace portico {

// The library's version, "MAJOR.MINOR.PATCH": the project version of the top-level CMakeLists.txt it was built from.
std::string_view version();

}  // namespace portico
