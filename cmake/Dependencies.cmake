# Every dependency comes from a Debian 12 package (see scripts/deps.sh). Each is found here once and exposed
# as an imported target named portico::<dep>, so the rest of the build never repeats a search.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# asio (standalone, header-only; Debian ships no CMake config).
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(portico_asio INTERFACE)
target_include_directories(portico_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(portico_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(portico_asio INTERFACE Threads::Threads)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # asio 1.22 enables co_await for clang only with libc++; clang 14 with libstdc++ 12 has C++20 coroutines too.
  target_compile_definitions(portico_asio INTERFACE ASIO_HAS_CO_AWAIT=1 ASIO_HAS_STD_COROUTINE=1)
endif()
add_library(portico::asio ALIAS portico_asio)

pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
add_library(portico::sodium ALIAS PkgConfig::SODIUM)

find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_path(MBEDTLS_INCLUDE_DIR mbedtls/gcm.h REQUIRED)
add_library(portico_mbedcrypto INTERFACE)
target_include_directories(portico_mbedcrypto SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(portico_mbedcrypto INTERFACE ${MBEDCRYPTO_LIBRARY})
add_library(portico::mbedcrypto ALIAS portico_mbedcrypto)

find_package(spdlog REQUIRED)

if(PORTICO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
