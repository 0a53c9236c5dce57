#!/usr/bin/env bash
# A static ARM portico (aarch64 or armhf), run under qemu-user, serves as the outlet for a native (amd64) hub
# and inlet:
#   cross_outlet_test.sh NATIVE_PORTICO ARM_STATIC_PORTICO
# The architecture comes from the binary itself; the outlet's platform line must name it (uname's machine under
# qemu: aarch64 for qemu-aarch64, armv7l for qemu-arm).
. "$(dirname "$0")/lib.sh"
native=$1 arm=$2
kind=$(file -b "$arm")
[[ $kind == *"statically linked"* ]] || fail "$arm is not statically linked: $kind"
case $kind in
  *"ARM aarch64"*) qemu=qemu-aarch64 arch=aarch64 ;;
  *"32-bit"*", ARM, EABI5"*) qemu=qemu-arm arch=armv7l ;;
  *) fail "$arm is neither an aarch64 nor an armhf binary: $kind" ;;
esac

hub_port=$(free_port); in_port=$(free_port); web_port=$(free_port)
mkdir -p "$work/site"
head -c 300000 /dev/urandom >"$work/site/blob"
python3 -m http.server --bind 127.0.0.1 "$web_port" --directory "$work/site" >"$work/http.log" 2>&1 & pids+=($!)
OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_DATA="$work/hub" "$native" >"$work/hub.log" 2>&1 & pids+=($!)
wait_for_log "$work/hub.log" "hub listening"
token=$(OCKAM_DATA="$work/hub" "$native" token --uses 2 role=device 2>/dev/null) || fail "portico token failed"
operator_token=$(OCKAM_DATA="$work/hub" "$native" token role=operator 2>/dev/null) || fail "portico token failed"
OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$web_port OCKAM_RELAY=arm-device OCKAM_DATA="$work/outlet" \
  OCKAM_ENROLL=$token "$qemu" "$arm" >"$work/outlet.log" 2>&1 & pids+=($!)
wait_for_log "$work/outlet.log" "outlet ready: relay \"arm-device\"" 30
grep -q "platform: .*, $arch, " "$work/outlet.log" || fail "the outlet is not running as $arch"
OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=arm-device OCKAM_DATA="$work/inlet" \
  OCKAM_ENROLL=$operator_token "$native" >"$work/inlet.log" 2>&1 & pids+=($!)
wait_for_log "$work/inlet.log" "inlet listening"
wait_for_log "$work/inlet.log" "member of hub"

for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$web_port/" && break; sleep 0.1; done
curl -sf --max-time 30 -o "$work/got" "http://127.0.0.1:$in_port/blob" || fail "curl through the inlet failed"
cmp -s "$work/got" "$work/site/blob" || fail "the file that came through the $arch outlet differs"
echo "cross outlet test passed: $(stat -c %s "$work/got") bytes through a static $arch outlet ($(stat -c %s "$arm") bytes) under $qemu"
