#!/bin/sh
# The one recipe both image builds run in their Debian build stage (docker/Dockerfile for Docker and buildx,
# Dockerfile.template at the repository root for balena), so they cannot drift apart:
#
#   build-static.sh target ARCH [VARIANT] > FILE   the Debian architecture to build for, from Docker's names
#                                                  (amd64, arm64, arm + v7) or balena's (amd64, aarch64, armv7hf);
#                                                  no ARCH: the build machine's own
#   build-static.sh deps TARGET                    install the compiler (native or cross) and the libraries
#   build-static.sh build TARGET VERSION OUT       compile the static binary with the CMake preset that fits the
#                                                  build machine, check it (static, the target's architecture and
#                                                  ABI, the version CMake says), copy it to OUT/usr/local/bin and
#                                                  make the .deb (CPack) in OUT-deb
#
# TARGET is a Debian architecture: amd64, arm64 or armhf (armv7 hard-float). A build machine of another
# architecture cross-compiles (amd64 -> arm64/armhf, arm64 -> armhf); a target equal to it compiles natively,
# as on balena's ARM builders. Nothing runs under emulation.
set -eu

die() { echo "build-static.sh: $*" >&2; exit 2; }

host=$(dpkg --print-architecture)

case "${1:-}" in
  target)
    arch=${2:-} variant=${3:-}
    case "$arch/$variant" in
      /*) echo "$host" ;;
      amd64/* | x86_64/*) echo amd64 ;;
      arm64/* | aarch64/*) echo arm64 ;;
      armv7hf/* | arm/v7 | arm/ | armhf/*) echo armhf ;;
      *) die "target '$arch${variant:+/$variant}' is not supported: amd64, arm64 or arm/v7 (balena: amd64, aarch64, armv7hf)" ;;
    esac
    ;;
  deps)
    target=${2:?target}
    libs="libsodium-dev libmbedtls-dev libspdlog-dev libfmt-dev libngtcp2-dev"
    tools="cmake ninja-build pkg-config libasio-dev file binutils"
    if [ "$target" = "$host" ]; then
      compiler=g++
      libs="$libs libyaml-cpp-dev"
    else
      [ "$target" != amd64 ] || die "no cross compiler for amd64 on a $host machine: build the amd64 image on amd64"
      compiler=crossbuild-essential-$target
      dpkg --add-architecture "$target"
      libs=$(for l in $libs; do printf '%s:%s ' "$l" "$target"; done)
    fi
    # A mirror index size mismatch can make 'update' exit 100 once a foreign architecture is added; the install
    # below still decides.
    apt-get update -qq || echo "apt-get update reported an error; trying the install anyway"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $tools $compiler $libs >/dev/null
    if [ "$target" != "$host" ]; then
      # yaml-cpp's -dev package has no Multi-Arch field: unpack the target's into the sysroot the toolchain
      # files search (as scripts/deps.sh does).
      work=$(mktemp -d) && chmod 755 "$work"
      (cd "$work" && apt-get download -qq "libyaml-cpp-dev:$target" "libyaml-cpp0.7:$target")
      mkdir -p "/opt/portico-sysroot/$target"
      for f in "$work"/*.deb; do dpkg-deb -x "$f" "/opt/portico-sysroot/$target"; done
      rm -rf "$work"
    fi
    rm -rf /var/lib/apt/lists/*
    ;;
  build)
    target=${2:?target} version=${3:?version} out=${4:?out}
    case "$target" in
      amd64) cross=; machine="x86-64"; abi="" ;;
      arm64) cross=aarch64-static; machine="ARM aarch64"; abi="" ;;
      armhf) cross=armhf-static; machine="ARM, EABI5"; abi="hard-float ABI" ;;
      *) die "target '$target' is not amd64, arm64 or armhf" ;;
    esac
    if [ "$target" = "$host" ]; then preset=static; else preset=$cross; fi
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$(nproc)"
    binary=build/$preset/agent/portico
    built=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "build/$preset/CMakeCache.txt")
    [ "$built" = "$version" ] ||
      die "the CMake project version is '$built' but the image says '$version': change both (tests/docker/block_files_test.cpp checks them)"
    described=$(file -b "$binary")
    case "$described" in
      *"statically linked"*) ;;
      *) die "$binary is not statically linked: $described" ;;
    esac
    case "$described" in
      *"$machine"*) ;;
      *) die "$binary is not a $target binary ($machine): $described" ;;
    esac
    if [ -n "$abi" ]; then
      readelf -h "$binary" | grep -q "$abi" || die "$binary is not $abi: $(readelf -h "$binary" | grep Flags)"
      readelf -A "$binary" | grep -q "Tag_CPU_arch: v7" || die "$binary is not for armv7: $(readelf -A "$binary" | grep Tag_CPU_arch)"
    fi
    echo "portico $version for $target ($preset): $described"
    mkdir -p "$out/usr/local/bin" "$out/data/portico" "$out-deb"
    cp "$binary" "$out/usr/local/bin/portico"
    (cd "build/$preset" && cpack -G DEB >/dev/null) && cp build/"$preset"/portico_*.deb "$out-deb/"
    ;;
  *)
    die "usage: build-static.sh target [ARCH [VARIANT]] | deps TARGET | build TARGET VERSION OUT"
    ;;
esac
