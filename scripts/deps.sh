#!/usr/bin/env bash
# Installs the Debian 12 packages Portico builds and tests with, when any is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  libasio-dev libsodium-dev libmbedtls-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libngtcp2-dev                     # QUIC for direct paths (core/p2p; its core only, no TLS)
  clang libclang-rt-14-dev          # the fuzz preset (libFuzzer)
  python3 curl procps iproute2 file # system tests: real servers, clients and process checks
  redis-server redis-tools openssh-server openssh-client  # the several-portals test's services
)

# Cross-builds (CROSS="aarch64 armhf", any subset): the cross compiler, qemu-user to run the tests, and the
# multiarch library packages (:arm64, :armhf) beside the amd64 ones. yaml-cpp's -dev package has no Multi-Arch
# field (the amd64 and foreign ones replace each other), so the foreign one is downloaded and unpacked into a side
# sysroot, /opt/portico-sysroot/<arch>, which the toolchain files search (cross_yaml_cpp below).
cross_archs=()
for arch in ${CROSS:-}; do
  case $arch in
    aarch64) deb=arm64 ;;
    armhf) deb=armhf ;;
    *) echo "scripts/deps.sh: unknown CROSS architecture '$arch' (known: aarch64 armhf)" >&2; exit 2 ;;
  esac
  dpkg --print-foreign-architectures | grep -qx "$deb" || {
    [ "$(id -u)" -eq 0 ] && dpkg --add-architecture "$deb" || sudo dpkg --add-architecture "$deb"
  }
  packages+=("crossbuild-essential-$deb" qemu-user)
  for lib in libsodium-dev libmbedtls-dev libspdlog-dev libfmt-dev libgtest-dev libngtcp2-dev libyaml-cpp0.7; do packages+=("$lib:$deb"); done
  cross_archs+=("$deb")
done

# The target's libyaml-cpp.a, .so and headers, unpacked from its packages (not installed: see above).
cross_yaml_cpp() {
  local deb=$1 root=/opt/portico-sysroot/$1 work
  [ -f "$root/usr/include/yaml-cpp/yaml.h" ] && [ -n "$(ls "$root"/usr/lib/*/libyaml-cpp.a 2>/dev/null)" ] && return 0
  echo "unpacking yaml-cpp for $deb into $root"
  work=$(mktemp -d) && chmod 755 "$work"  # apt downloads as _apt
  (cd "$work" && apt-get download -qq "libyaml-cpp-dev:$deb" "libyaml-cpp0.7:$deb")
  "${sudo_cmd[@]}" mkdir -p "$root"
  for f in "$work"/*.deb; do "${sudo_cmd[@]}" dpkg-deb -x "$f" "$root"; done
  rm -rf "$work"
}

# The container image test (DOCKER=1): a Docker engine, debootstrap for a local base image, and a static qemu for
# ARM images (binfmt's F flag keeps the interpreter usable inside containers; it must be static there).
if [ -n "${DOCKER:-}" ]; then packages+=(docker.io debootstrap qemu-user-static); fi

# The benchmarks (BENCH=1, bench/run.sh): the peers they measure against and the tools that drive and plot them.
if [ -n "${BENCH:-}" ]; then
  packages+=(iperf3 socat openssh-server openssh-client redis-server redis-tools gnuplot-nox procps iproute2 python3)
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
echo "installing missing packages: ${missing[*]}"
# An index size mismatch on one mirror list can make 'update' exit 100; the install below still decides.
"${sudo_cmd[@]}" apt-get update -qq || echo "apt-get update reported an error; trying the install anyway"
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for deb in "${cross_archs[@]}"; do cross_yaml_cpp "$deb"; done
