#!/usr/bin/env bash
# Installs the Debian 12 packages Portico builds and tests with, when any is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  libasio-dev libsodium-dev libmbedtls-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev          # the fuzz preset (libFuzzer)
  python3 curl procps iproute2 file # system tests: real servers, clients and process checks
)

# Cross-builds (CROSS="aarch64 armhf", any subset): the cross compiler, qemu-user to run the tests, and the
# multiarch library packages (:arm64, :armhf) beside the amd64 ones. yaml-cpp is not among them: the build does
# not use it, and its -dev package has no Multi-Arch field (the amd64 and foreign ones replace each other).
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
  for lib in libsodium-dev libmbedtls-dev libspdlog-dev libfmt-dev libgtest-dev; do packages+=("$lib:$deb"); done
done

# The container image test (DOCKER=1): a Docker engine, debootstrap for a local base image, and a static qemu for
# ARM images (binfmt's F flag keeps the interpreter usable inside containers; it must be static there).
if [ -n "${DOCKER:-}" ]; then packages+=(docker.io debootstrap qemu-user-static); fi

# The benchmarks (BENCH=1, bench/run.sh): the peers they measure against and the tools that drive and plot them.
if [ -n "${BENCH:-}" ]; then
  packages+=(iperf3 socat openssh-server openssh-client redis-server redis-tools gnuplot-nox procps iproute2 python3)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# An index size mismatch on one mirror list can make 'update' exit 100; the install below still decides.
"${sudo_cmd[@]}" apt-get update -qq || echo "apt-get update reported an error; trying the install anyway"
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
