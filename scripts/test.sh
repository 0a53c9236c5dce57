#!/usr/bin/env bash
# The test command: installs what is missing, builds and runs the whole suite under each preset.
#   scripts/test.sh              fuzz smoke run, the suite under asan (ASan+UBSan) and default, then the
#                                unit tier cross-built for aarch64 and run under qemu-user, and a static
#                                aarch64 outlet under qemu serving a native hub and inlet
#   PRESETS="default" scripts/test.sh   only the named presets (the fuzz smoke run is skipped)
# The aarch64 preset (cross-built, run under qemu-user) runs the unit tier; its packages install themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=${PRESETS:-"asan default aarch64"}
cross=""
[[ " $presets " == *" aarch64 "* ]] && cross="aarch64"
CROSS="$cross" scripts/deps.sh

jobs=$(nproc)

if [ -z "${PRESETS:-}" ]; then
  echo "== fuzz smoke run (clang, libFuzzer)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  scratch=$(mktemp -d)
  for target in build/fuzz/fuzz/fuzz_*; do
    name=$(basename "$target")
    corpus="fuzz/corpus/${name#fuzz_}"
    mkdir -p "$scratch/$name"
    # New inputs go to the scratch folder (the first one named); the checked-in seeds are only read.
    "$target" -max_total_time="${FUZZ_SECONDS:-10}" -print_final_stats=1 "$scratch/$name" "$corpus" 2>&1 |
      grep -E 'Done|number_of_executed_units|ERROR|SUMMARY' || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz target $name failed"; exit 1; }
  done
  rm -rf "$scratch"
fi

for preset in $presets; do
  echo "== preset $preset"
  cmake --preset "$preset" >/dev/null
  if [ "$preset" = aarch64 ]; then
    # Cross-built binaries under qemu: the unit tier (the system tier needs native servers and clients).
    cmake --build --preset "$preset" -j "$jobs" --target portico portico_unit_tests portico_channel_tests \
      portico_platform_tests
    # The static release binary for aarch64, as an outlet under qemu for a native hub and inlet.
    cmake --preset aarch64-static >/dev/null
    cmake --build --preset aarch64-static -j "$jobs"
    cmake --preset default >/dev/null
    cmake --build --preset default -j "$jobs" --target portico
    tests/system/cross_outlet_test.sh build/default/agent/portico build/aarch64-static/agent/portico
    ctest --preset "$preset" -L unit -j "$jobs"
  else
    cmake --build --preset "$preset" -j "$jobs"
    ctest --preset "$preset"
  fi
done
