# The library as a CMake package, for the builds that are neither the static release binary nor the fuzzers:
#   cmake --install build/default --prefix /opt/portico
#   another project: find_package(Portico REQUIRED) and target_link_libraries(app PRIVATE Portico::portico)
# Installed: the public headers (core/include/portico/, never the internal core/<module>/ headers), the two static
# archives libportico_core.a and libportico_channel.a (not merged: the exported targets carry the link order, as
# in this build), the targets Portico::portico (portico_core) and Portico::channel, the small dependency targets
# they link (Portico::asio, ::sodium, ::mbedcrypto, ::ngtcp2, ::log, without this machine's paths) and PorticoConfig.cmake,
# which finds those dependencies again where the package is used. examples/ is a project built that way, and
# tests/package/package_test.sh builds it against a fresh install.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PORTICO_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Portico)
set(PORTICO_PACKAGE_DEPS portico_asio portico_sodium portico_mbedcrypto portico_ngtcp2 portico_log)

set_target_properties(portico_core PROPERTIES EXPORT_NAME portico)
set_target_properties(portico_channel PROPERTIES EXPORT_NAME channel)
foreach(dep IN LISTS PORTICO_PACKAGE_DEPS)
  string(REPLACE "portico_" "" dep_name ${dep})
  set_target_properties(${dep} PROPERTIES EXPORT_NAME ${dep_name})
endforeach()
target_include_directories(portico_core INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
if(PORTICO_SANITIZE)
  # The archives are built with ASan and UBSan: a program linking them needs their runtimes.
  target_link_options(portico_core INTERFACE $<INSTALL_INTERFACE:${PORTICO_SANITIZE_LINK_FLAGS}>)
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/portico DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(TARGETS portico_core portico_channel ${PORTICO_PACKAGE_DEPS} EXPORT PorticoTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT PorticoTargets NAMESPACE Portico:: DESTINATION ${PORTICO_PACKAGE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/PorticoConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/PorticoConfig.cmake INSTALL_DESTINATION ${PORTICO_PACKAGE_DIR})
# 0.x: a minor version may change the API, so only the same MAJOR.MINOR satisfies find_package(Portico 0.1).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/PorticoConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/PorticoConfig.cmake ${PROJECT_BINARY_DIR}/PorticoConfigVersion.cmake
        DESTINATION ${PORTICO_PACKAGE_DIR})
