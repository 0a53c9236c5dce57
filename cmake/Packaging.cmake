# The .deb for devices without containers (a NUC, a Pi with Debian or Raspberry Pi OS): the static binary, systemd
# units (portico.service, and portico@.service for several portals on one machine), an environment file per unit
# and a `portico` system user. Only the static presets package (the binary needs nothing from the system):
#   cmake --preset static && cmake --build --preset static && (cd build/static && cpack -G DEB)
#   -> build/static/portico_<version>_amd64.deb   (aarch64-static: _arm64, armhf-static: _armhf)
# Units and maintainer scripts are in cmake/packaging/ (see its README.md).

set(PORTICO_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/cmake/packaging)

install(TARGETS portico RUNTIME DESTINATION usr/bin)
install(FILES ${PORTICO_PACKAGING_DIR}/portico.service ${PORTICO_PACKAGING_DIR}/portico@.service
        DESTINATION lib/systemd/system)
install(FILES ${PORTICO_PACKAGING_DIR}/portico.env DESTINATION etc/portico)
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION usr/share/doc/portico RENAME copyright OPTIONAL)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(PORTICO_DEB_ARCH amd64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(PORTICO_DEB_ARCH arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(PORTICO_DEB_ARCH armhf)
else()
  set(PORTICO_DEB_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME portico)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Portico")
set(CPACK_PACKAGE_CONTACT "Portico maintainers <portico@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge agent: TCP portals to devices behind NAT through a hub")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "Portico reaches one TCP service on a device behind NAT from anywhere, through a hub you run, over end-to-end "
    "encrypted portals (Ockam-compatible OCKAM_* variables). One static binary and systemd units.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${PORTICO_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${PROJECT_HOMEPAGE_URL})
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)  # static: no shared libraries
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PORTICO_PACKAGING_DIR}/conffiles ${PORTICO_PACKAGING_DIR}/postinst ${PORTICO_PACKAGING_DIR}/prerm
    ${PORTICO_PACKAGING_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
