// Prints the version of the Portico library it was linked with: the smallest program using the installed package.
#include <portico/version.hpp>

#include <cstdio>

int main() {
  const std::string_view version = portico::version();
  std::printf("%.*s\n", static_cast<int>(version.size()), version.data());
  return 0;
}
