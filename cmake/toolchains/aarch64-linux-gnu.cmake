# Cross-build for 64-bit ARM (Raspberry Pi 3/4 with a 64-bit OS) with Debian's crossbuild-essential-arm64 and
# multiarch :arm64 library packages (CROSS=aarch64 scripts/deps.sh installs them). Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# qemu-user runs the tests. The target's loader and libc must come from one package: the multiarch libc6:<arch>
# (installed with the :<arch> libraries) puts both under /lib. Pointing qemu at the cross toolchain's copy
# (-L /usr/aarch64-linux-gnu) pairs that loader (libc6-*-cross, 2.36-8cross1) with the multiarch libc.so.6
# (2.36-9+deb12u*) the loader then finds, and pthread_create crashes (armhf) or spins forever (aarch64) —
# every test that starts a thread, std::async and std::future included. -L only when no multiarch libc is there.
if(EXISTS /lib/ld-linux-aarch64.so.1)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
endif()
# pkg-config (libsodium) must see the arm64 .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# yaml-cpp for the target: its -dev package cannot be installed beside the build machine's (no Multi-Arch field),
# so scripts/deps.sh unpacks it here (headers and libyaml-cpp.a/.so); cmake/Dependencies.cmake finds it first.
list(APPEND CMAKE_PREFIX_PATH /opt/portico-sysroot/arm64/usr)
