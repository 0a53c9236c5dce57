#!/usr/bin/env bash
# The library as a CMake package (issue #14): `cmake --install` this build into a fresh prefix, check that only the
# public API went in, then configure and build examples/ — a separate project, find_package(Portico REQUIRED) —
# against that prefix with the same compiler and generator, and run its version example; last, link all of
# libportico_core.a (whole_archive/) to prove the package brings every library the archive needs.
# Usage: package_test.sh CMAKE BUILD_DIR SOURCE_DIR VERSION CONFIGURE_ARGS... (the generator, compiler, build type
# and compiler launcher of this build, as tests/CMakeLists.txt passes them)
set -euo pipefail
cmake=$1 build=$2 source=$3 version=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/portico-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
run() {  # run LOG COMMAND...: the command's output goes to LOG, shown when it fails
  local log=$1; shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "$*"; }
}

run "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"

# Only the public API: include/portico/*.hpp, no module folder of core/ (channel/, wire/, ...) beside it, and no
# public header that includes one.
[[ -f $prefix/include/portico/version.hpp ]] || fail "include/portico/version.hpp is not installed"
extra=$(cd "$prefix/include" && find . -mindepth 1 ! -path ./portico ! -path './portico/*')
[[ -z $extra ]] || fail "installed beside include/portico: $extra"
[[ ! -e $prefix/include/channel ]] || fail "the internal channel/ headers are installed"
internal='^[[:space:]]*#[[:space:]]*include[[:space:]]*["<](wire|routing|transport|channel|identity|relay|portal|metrics|node|util|agent|platform)/'
if grep -rEn "$internal" "$prefix/include/portico"; then fail "a public header includes an internal one"; fi
for archive in libportico_core.a libportico_channel.a; do
  [[ -n $(find "$prefix" -name "$archive") ]] || fail "$archive is not installed"
done
config=$(find "$prefix" -name PorticoConfig.cmake)
[[ -n $config ]] || fail "PorticoConfig.cmake is not installed"
# The package names no path of this checkout or build: it must work on a machine that has neither.
if grep -rlF -e "$source" -e "$build" "$(dirname "$config")"; then fail "the package names the source or build tree"; fi

run "$work/configure.log" "$cmake" -S "$source/examples" -B "$work/examples" "$@" "-DCMAKE_PREFIX_PATH=$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# It found this install, at the version this build has (PorticoConfigVersion.cmake).
grep -qxF -e "-- Portico $version: $(dirname "$config")" "$work/configure.log" \
  || { cat "$work/configure.log" >&2; fail "examples/ did not find Portico $version in $prefix"; }
run "$work/build.log" "$cmake" --build "$work/examples"
# The example was compiled against the installed headers, not this checkout's.
if grep -F "$source/core" "$work/examples/compile_commands.json"; then fail "examples/ compiled with core/ of the checkout"; fi

out=$("$work/examples/version") || fail "examples/version exited $?"
[[ $out == "$version" ]] || fail "examples/version printed '$out', expected '$version'"

# All of libportico_core.a linked in (whole_archive/): the package's dependencies cover every symbol it needs.
run "$work/whole-configure.log" "$cmake" -S "$(dirname "$0")/whole_archive" -B "$work/whole" "$@" \
  "-DCMAKE_PREFIX_PATH=$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "-DPORTICO_EXAMPLES=$source/examples"
run "$work/whole-build.log" "$cmake" --build "$work/whole"
whole=$("$work/whole/whole_archive") || fail "whole_archive exited $?"
[[ $whole == "$version" ]] || fail "whole_archive printed '$whole', expected '$version'"
# The examples against a real hub: a function as a service, a caller, an in-process inlet (examples_run.sh).
"$source/tests/system/examples_run.sh" "$build/agent/portico" "$work/examples" || fail "the examples did not run as they should"

echo "package_test: installed Portico $version, built examples/ against it; version prints $out"
