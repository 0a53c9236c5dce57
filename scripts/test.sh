#!/usr/bin/env bash
# The test command: installs what is missing, builds and runs the whole suite under each preset.
#   scripts/test.sh              fuzz smoke run; the suite under asan (ASan+UBSan) and default, the README's demo
#                                and a benchmark smoke run; for aarch64 the unit tier cross-built and run under
#                                qemu-user; the container images (below); then the static release binaries the
#                                images hold: amd64 resolving its hub with no libc, aarch64 as an outlet under qemu
#                                serving a native hub and inlet (armhf is left out of the qemu tiers to keep CI
#                                within 60 minutes on 2 cores: PRESETS="armhf" adds them)
#   PRESETS="default" scripts/test.sh   only the named presets (the fuzz smoke run is skipped)
#   QEMU_FULL=1 scripts/test.sh  the cross presets (aarch64, armhf) run the whole suite under qemu-user: the unit
#                                and system tiers (C++ loopback tests, and the shell tests with the cross-built
#                                portico under qemu between native servers and clients)
#   PRESETS="aarch64 armhf" QEMU_FULL=1 scripts/test.sh   only the full qemu matrix
# A full run ends with the container images built by a real Docker engine and run (tests/docker/docker_test.sh;
# DOCKER_TEST=1 adds it to a PRESETS run).
# A PRESETS run builds the named presets' static binaries itself and checks them the same way.
# Cross presets install their own packages. Every part prints how long it took; a summary closes the run (CI,
# .ci/run, has 60 minutes on 2 cores for everything).
set -euo pipefail
cd "$(dirname "$0")/.."
presets=${PRESETS:-"asan default aarch64"}
cross_tiers=unit
[ "${QEMU_FULL:-0}" = 1 ] && cross_tiers="unit|system"

timings=() sizes=()
part() { part_name=$1 part_start=$SECONDS; echo "== $part_name"; }
part_done() {
  local took=$((SECONDS - part_start))
  timings+=("$(printf '%5d s  %s' "$took" "$part_name")")
  echo "== $part_name: $took s"
}
release_size() { sizes+=("$1 $(stat -c %s "$2") B"); }
summary() {
  echo "== time per part"
  [ ${#timings[@]} -eq 0 ] || printf '%s\n' "${timings[@]}"
  printf '%5d s  total\n' "$SECONDS"
  [ ${#sizes[@]} -eq 0 ] || echo "== static release binaries: $(IFS=,; echo "${sizes[*]}" | sed 's/,/, /g')"
}
trap summary EXIT

# A full run builds the static release binaries once, inside the container images (docker/build-static.sh runs the
# same static presets), and runs the checks on static binaries against those, after the docker part: the binaries
# people download are the ones tested, and CI does not compile them twice. A PRESETS run builds them here.
full_run=
[ -z "${PRESETS:-}" ] && full_run=1

cross=""
for preset in $presets; do case $preset in aarch64 | armhf) cross+=" $preset" ;; esac; done
part "packages"
CROSS="$cross" scripts/deps.sh
part_done

jobs=$(nproc)

if [ -z "${PRESETS:-}" ]; then
  part "fuzz smoke run (clang, libFuzzer)"
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
  part_done
fi

for preset in $presets; do
  cmake --preset "$preset" >/dev/null
  case $preset in
    aarch64 | armhf)
      # Cross-built binaries under qemu-user (the toolchain file's emulator): the unit tier; with QEMU_FULL=1
      # everything, system tier included (its shell tests get a script that runs portico under qemu).
      part "build $preset"
      if [ "${QEMU_FULL:-0}" = 1 ]; then
        cmake --build --preset "$preset" -j "$jobs"
      else
        cmake --build --preset "$preset" -j "$jobs" --target portico portico_unit_tests portico_channel_tests \
          portico_platform_tests
      fi
      part_done
      # The static release binary for this architecture, as an outlet under qemu for a native hub and inlet (in a
      # full run: the image's, after the docker part).
      if [ -z "$full_run" ]; then
        part "static $preset binary, outlet under qemu"
        cmake --preset "$preset-static" >/dev/null
        cmake --build --preset "$preset-static" -j "$jobs"
        release_size "$preset" "build/$preset-static/agent/portico"
        cmake --preset default >/dev/null
        cmake --build --preset default -j "$jobs" --target portico
        tests/system/cross_outlet_test.sh build/default/agent/portico "build/$preset-static/agent/portico"
        part_done
      fi
      part "test $preset under qemu-user ($cross_tiers)"
      ctest --preset "$preset" -L "^($cross_tiers)\$" -j "$jobs"
      part_done
      ;;
    *)
      part "build $preset"
      cmake --build --preset "$preset" -j "$jobs"
      part_done
      part "test $preset"
      ctest --preset "$preset"
      part_done
      if [ "$preset" = default ]; then
        # What a newcomer runs first, as the README gives it, and the benchmark harness on tiny amounts (bench/run.sh
        # needs root for sshd; the figures of a smoke run mean nothing, only that every part ran).
        part "the README's demo, and bench/run.sh as a smoke run"
        demo_out=$(scripts/demo.sh 2>&1) || { echo "$demo_out" | tail -n 30; echo "scripts/demo.sh failed"; exit 1; }
        grep -q "Hello from behind the NAT" <<<"$demo_out" || { echo "$demo_out" | tail -n 30; echo "the demo's page did not come through"; exit 1; }
        echo "demo: the page came through the inlet"
        if [ "$(id -u)" -eq 0 ]; then
          bench_out=$(BENCH_SMOKE=1 bench/run.sh 2>&1) || { echo "$bench_out" | tail -n 40; echo "bench/run.sh (smoke) failed"; exit 1; }
          echo "bench smoke run: $(grep -c '' build/bench-smoke/benchmarks.md) lines in build/bench-smoke/benchmarks.md"
        else
          echo "NOTE: bench/run.sh smoke run skipped (needs root for sshd)"
        fi
        part_done
        if [ -z "$full_run" ]; then
          part "static amd64 binary (finds its hub by name with no libc beside it)"
          cmake --preset static >/dev/null
          cmake --build --preset static -j "$jobs"
          release_size amd64 build/static/agent/portico
          tests/system/static_resolve_test.sh build/static/agent/portico
          part_done
        fi
      fi
      ;;
  esac
done

if [ -n "$full_run" ] || [ "${DOCKER_TEST:-0}" = 1 ]; then
  part "docker images (amd64, arm64, armv7): built and run"
  image_binaries=build/image-binaries
  rm -rf "$image_binaries"
  PORTICO_DOCKER_BINARIES=$PWD/$image_binaries tests/docker/docker_test.sh
  part_done
fi
if [ -n "$full_run" ]; then
  # The static presets as the images built them (docker/build-static.sh): amd64 resolves its hub by name with no
  # libc beside it; aarch64, under qemu, is the outlet for a native hub and inlet.
  part "the images' static binaries: amd64 finds its hub by name; aarch64 as an outlet under qemu"
  amd64_static=$image_binaries/portico-amd64 arm64_static=$image_binaries/portico-arm64
  if [ ! -x "$amd64_static" ] || [ ! -x "$arm64_static" ]; then
    echo "NOTE: no image binaries (the docker part was skipped): building the static presets here"
    for p in static aarch64-static; do cmake --preset "$p" >/dev/null && cmake --build --preset "$p" -j "$jobs"; done
    amd64_static=build/static/agent/portico arm64_static=build/aarch64-static/agent/portico
  else
    release_size armv7 "$image_binaries/portico-armv7"
  fi
  release_size amd64 "$amd64_static"
  release_size arm64 "$arm64_static"
  tests/system/static_resolve_test.sh "$amd64_static"
  tests/system/cross_outlet_test.sh build/default/agent/portico "$arm64_static"
  part_done
fi
