# Every dependency comes from a Debian 12 package (see scripts/deps.sh). Each is found here once and exposed
# as an imported target named portico::<dep>, so the rest of the build never repeats a search.
# The library's CMake package (cmake/LibraryInstall.cmake) exports portico_asio, portico_sodium, portico_mbedcrypto,
# portico_ngtcp2 and portico_log as Portico::<dep>: what this machine found (paths, pkg-config's target) is in $<BUILD_INTERFACE:>,
# and cmake/PorticoConfig.cmake.in finds it again on the consumer's machine.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# asio (standalone, header-only; Debian ships no CMake config).
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(portico_asio INTERFACE)
target_include_directories(portico_asio SYSTEM INTERFACE $<BUILD_INTERFACE:${ASIO_INCLUDE_DIR}>)
target_compile_definitions(portico_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(portico_asio INTERFACE Threads::Threads)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # asio 1.22 enables co_await for clang only with libc++; clang 14 with libstdc++ 12 has C++20 coroutines too.
  target_compile_definitions(portico_asio INTERFACE ASIO_HAS_CO_AWAIT=1 ASIO_HAS_STD_COROUTINE=1)
endif()
add_library(portico::asio ALIAS portico_asio)

if(PORTICO_STATIC)
  # A fully static binary: the archives Debian ships for libsodium and mbedtls; spdlog and fmt header-only
  # (Debian ships no static spdlog or fmt).
  find_library(SODIUM_LIBRARY NAMES libsodium.a REQUIRED)
  find_path(SODIUM_INCLUDE_DIR sodium.h REQUIRED)
  add_library(portico_sodium INTERFACE)
  target_include_directories(portico_sodium SYSTEM INTERFACE ${SODIUM_INCLUDE_DIR})
  target_link_libraries(portico_sodium INTERFACE ${SODIUM_LIBRARY})
  add_library(portico::sodium ALIAS portico_sodium)
  find_library(MBEDCRYPTO_LIBRARY NAMES libmbedcrypto.a REQUIRED)
else()
  pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
  add_library(portico_sodium INTERFACE)
  target_link_libraries(portico_sodium INTERFACE $<BUILD_INTERFACE:PkgConfig::SODIUM>)
  add_library(portico::sodium ALIAS portico_sodium)
  find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
endif()
find_path(MBEDTLS_INCLUDE_DIR mbedtls/gcm.h REQUIRED)
add_library(portico_mbedcrypto INTERFACE)
target_include_directories(portico_mbedcrypto SYSTEM INTERFACE $<BUILD_INTERFACE:${MBEDTLS_INCLUDE_DIR}>)
target_link_libraries(portico_mbedcrypto INTERFACE $<BUILD_INTERFACE:${MBEDCRYPTO_LIBRARY}>)
add_library(portico::mbedcrypto ALIAS portico_mbedcrypto)

# yaml-cpp (OCKAM_CONFIG). Found by hand, not by its CMake config: that config names only the shared library, and
# a cross build finds the target's copy in the sysroot scripts/deps.sh extracts (see cmake/toolchains/).
find_path(YAML_CPP_INCLUDE_DIR yaml-cpp/yaml.h REQUIRED)
if(PORTICO_STATIC)
  find_library(YAML_CPP_LIBRARY NAMES libyaml-cpp.a REQUIRED)
else()
  find_library(YAML_CPP_LIBRARY NAMES yaml-cpp REQUIRED)
endif()
add_library(portico_yaml INTERFACE)
target_include_directories(portico_yaml SYSTEM INTERFACE ${YAML_CPP_INCLUDE_DIR})
target_link_libraries(portico_yaml INTERFACE ${YAML_CPP_LIBRARY})
add_library(portico::yaml ALIAS portico_yaml)

find_package(spdlog REQUIRED)
add_library(portico_log INTERFACE)
if(PORTICO_STATIC)
  get_target_property(SPDLOG_INCLUDE_DIRS spdlog::spdlog_header_only INTERFACE_INCLUDE_DIRECTORIES)
  target_include_directories(portico_log SYSTEM INTERFACE ${SPDLOG_INCLUDE_DIRS})
  # FMT_STATIC_THOUSANDS_SEPARATOR: fmt stops touching std::locale, which alone drags every locale facet of
  # libstdc++ (and glibc's wide-character printf behind them) into the binary; we never format with 'L'.
  target_compile_definitions(portico_log INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY FMT_STATIC_THOUSANDS_SEPARATOR=',')
  target_link_libraries(portico_log INTERFACE Threads::Threads)
else()
  target_link_libraries(portico_log INTERFACE spdlog::spdlog)
endif()
add_library(portico::log ALIAS portico_log)

# ngtcp2 (libngtcp2-dev 0.12.1; its core only, no TLS library: core/p2p/, docs/direct-paths.md). Always its static
# archive, so nothing changes at run time.
find_path(NGTCP2_INCLUDE_DIR ngtcp2/ngtcp2.h)
find_library(NGTCP2_LIBRARY NAMES libngtcp2.a)
if(NOT NGTCP2_INCLUDE_DIR OR NOT NGTCP2_LIBRARY)
  message(FATAL_ERROR "ngtcp2 not found: install libngtcp2-dev (scripts/deps.sh does; for a cross build, the "
                      "target's libngtcp2-dev:<arch>)")
endif()
add_library(portico_ngtcp2 INTERFACE)
target_include_directories(portico_ngtcp2 SYSTEM INTERFACE $<BUILD_INTERFACE:${NGTCP2_INCLUDE_DIR}>)
target_link_libraries(portico_ngtcp2 INTERFACE $<BUILD_INTERFACE:${NGTCP2_LIBRARY}>)
add_library(portico::ngtcp2 ALIAS portico_ngtcp2)

if(PORTICO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
