# Cross-build for 32-bit ARM, armv7 hard-float (Raspberry Pi OS 32-bit, Debian armhf; Raspberry Pi 3/3B+/4 with a
# 32-bit OS) with Debian's crossbuild-essential-armhf and multiarch :armhf library packages
# (CROSS=armhf scripts/deps.sh installs them). Tests run under qemu-user.
# Debian's armhf baseline is armv7-a + VFPv3-D16 + Thumb-2 (the compiler's default), which every Pi from the 2
# on runs; no -mcpu here, so a binary runs on any armhf board, not only a Pi.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# qemu-user runs the tests. The target's loader and libc must come from one package: the multiarch libc6:<arch>
# (installed with the :<arch> libraries) puts both under /lib. Pointing qemu at the cross toolchain's copy
# (-L /usr/arm-linux-gnueabihf) pairs that loader (libc6-*-cross, 2.36-8cross1) with the multiarch libc.so.6
# (2.36-9+deb12u*) the loader then finds, and pthread_create crashes (armhf) or spins forever (aarch64) —
# every test that starts a thread, std::async and std::future included. -L only when no multiarch libc is there.
if(EXISTS /lib/ld-linux-armhf.so.3)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-L;/usr/arm-linux-gnueabihf)
endif()
# pkg-config (libsodium) must see the armhf .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)
# yaml-cpp for the target: its -dev package cannot be installed beside the build machine's (no Multi-Arch field),
# so scripts/deps.sh unpacks it here (headers and libyaml-cpp.a/.so); cmake/Dependencies.cmake finds it first.
list(APPEND CMAKE_PREFIX_PATH /opt/portico-sysroot/armhf/usr)
