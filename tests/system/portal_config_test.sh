#!/usr/bin/env bash
# The relay/portal environment contract: every bad variable stops the agent with one line on stderr naming it and
# that variable's exit code; OCKAM_IN and OCKAM_OUT together run an inlet with a warning about OCKAM_OUT; names at
# the 64-character limit are accepted; the relay name comes from OCKAM_RELAY, else the device id (BALENA_DEVICE_UUID,
# a Pi's serial under OCKAM_PLATFORM_ROOT), else an id kept in OCKAM_DATA (the same across restarts, different for
# another OCKAM_DATA); SIGTERM and SIGINT exit 0.
. "$(dirname "$0")/portal_lib.sh"

hp=$(free_port); dead=$(free_port); lp=$(free_port)
name64=$(printf 'a%.0s' {1..64}); name65=${name64}b
checked=0

# check_error CODE VARIABLE [VAR=VALUE...]: the agent run with exactly these variables exits CODE, printing one line
# (on stderr, nothing on stdout) that names VARIABLE (an extended regular expression).
check_error() {
  local code=$1 variable=$2 rc msg; shift 2
  set +e; timeout 30 env -i "$@" "$portico" >"$work/error.out" 2>"$work/error.err"; rc=$?; set -e
  msg=$(cat "$work/error.err")
  [ "$rc" -eq "$code" ] || fail "env -i $* exited $rc, expected $code (stderr: $msg; stdout: $(cat "$work/error.out"))"
  [ "$(wc -l <"$work/error.err")" -eq 1 ] && [ -n "$msg" ] || fail "env -i $*: stderr is not one line: $msg"
  [ ! -s "$work/error.out" ] || fail "env -i $*: unexpected stdout: $(cat "$work/error.out")"
  grep -qE "$variable" <<<"$msg" || fail "env -i $*: the message does not name $variable: $msg"
  checked=$((checked + 1))
}

hub="OCKAM_HUB=127.0.0.1:$dead"
out="OCKAM_OUT=127.0.0.1:$dead"
in="OCKAM_IN=127.0.0.1:$lp"

# No role at all.
check_error 9 "OCKAM_(IN|OUT|LISTEN)"
check_error 9 "OCKAM_(IN|OUT|LISTEN)" OCKAM_LOG=info
check_error 9 "OCKAM_(IN|OUT|LISTEN)" OCKAM_HUB=127.0.0.1:4000 OCKAM_RELAY=x
# Hub.
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=4000
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=127.0.0.1:0
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=127.0.0.1:70000
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=127.0.0.1:port
# OCKAM_HUB: missing, malformed, or a host that does not exist, for an outlet and for an inlet.
check_error 11 OCKAM_HUB "$out" OCKAM_RELAY=x
check_error 11 OCKAM_HUB OCKAM_HUB= "$out" OCKAM_RELAY=x
check_error 11 OCKAM_HUB OCKAM_HUB=hub.example.com "$out" OCKAM_RELAY=x
check_error 11 OCKAM_HUB OCKAM_HUB=127.0.0.1:0 "$out" OCKAM_RELAY=x
check_error 11 OCKAM_HUB OCKAM_HUB=nonexistent.invalid:4000 "$out" OCKAM_RELAY=x
check_error 11 OCKAM_HUB "$in" OCKAM_FORWARD=x
check_error 11 OCKAM_HUB OCKAM_HUB=127.0.0.1:99999 "$in" OCKAM_FORWARD=x
check_error 11 OCKAM_HUB OCKAM_HUB=nonexistent.invalid:4000 "$in" OCKAM_FORWARD=x
# Inlet.
check_error 12 OCKAM_IN "$hub" OCKAM_IN= OCKAM_FORWARD=x
check_error 12 OCKAM_IN "$hub" OCKAM_IN=15432 OCKAM_FORWARD=x
check_error 12 OCKAM_IN "$hub" OCKAM_IN=127.0.0.1:65536 OCKAM_FORWARD=x
check_error 13 OCKAM_FORWARD "$hub" "$in"
check_error 13 OCKAM_FORWARD "$hub" "$in" OCKAM_FORWARD=
check_error 13 OCKAM_FORWARD "$hub" "$in" "OCKAM_FORWARD=my device"
check_error 13 OCKAM_FORWARD "$hub" "$in" OCKAM_FORWARD=dev/1
check_error 13 OCKAM_FORWARD "$hub" "$in" OCKAM_FORWARD=café
check_error 13 OCKAM_FORWARD "$hub" "$in" "OCKAM_FORWARD=$name65"
# Outlet.
check_error 14 OCKAM_OUT "$hub" OCKAM_OUT= OCKAM_RELAY=x
check_error 14 OCKAM_OUT "$hub" OCKAM_OUT=5432 OCKAM_RELAY=x
check_error 14 OCKAM_OUT "$hub" OCKAM_OUT=127.0.0.1:0 OCKAM_RELAY=x
check_error 15 OCKAM_RELAY "$hub" "$out" OCKAM_RELAY=
check_error 15 OCKAM_RELAY "$hub" "$out" "OCKAM_RELAY=has space"
check_error 15 OCKAM_RELAY "$hub" "$out" "OCKAM_RELAY=a:b"
check_error 15 OCKAM_RELAY "$hub" "$out" "OCKAM_RELAY=$name65"
check_error 16 OCKAM_DATA "$hub" "$out" OCKAM_RELAY=x OCKAM_DATA=relative/dir
check_error 16 OCKAM_DATA "$hub" "$out" OCKAM_DATA=
check_error 16 OCKAM_DATA "$hub" "$in" OCKAM_FORWARD=x OCKAM_DATA=data
# Logging, for every role.
check_error 19 OCKAM_LOG OCKAM_LISTEN=127.0.0.1:4000 OCKAM_LOG=loud
check_error 19 OCKAM_LOG OCKAM_LISTEN=127.0.0.1:4000 OCKAM_LOG=
check_error 19 OCKAM_LOG "$hub" "$out" OCKAM_RELAY=x OCKAM_LOG=trace
check_error 19 OCKAM_LOG "$hub" "$in" OCKAM_FORWARD=x OCKAM_LOG=INFO
# Membership: a malformed token or hub identity, one that contradicts the token, a bad OCKAM_ALLOW or
# OCKAM_CREDENTIAL_TTL; a node with neither a token nor a pinned hub cannot start.
good_hub=I$(printf '0%.0s' {1..64}); other_hub=I$(printf '1%.0s' {1..64}); secret=$(printf 'a%.0s' {1..64})
check_error 21 OCKAM_ENROLL "$hub" "$out" OCKAM_RELAY=x OCKAM_ENROLL=
check_error 21 OCKAM_ENROLL "$hub" "$out" OCKAM_RELAY=x OCKAM_ENROLL=not-a-token
check_error 21 OCKAM_ENROLL "$hub" "$in" OCKAM_FORWARD=x "OCKAM_ENROLL=$good_hub:abc"
check_error 22 OCKAM_HUB_IDENTITY "$hub" "$out" OCKAM_RELAY=x OCKAM_HUB_IDENTITY=hub
check_error 22 OCKAM_HUB_IDENTITY "$hub" "$out" OCKAM_RELAY=x "OCKAM_ENROLL=$good_hub:$secret" \
  "OCKAM_HUB_IDENTITY=$other_hub"
check_error 23 OCKAM_ALLOW "$hub" "$out" OCKAM_RELAY=x OCKAM_ALLOW=operator
check_error 23 OCKAM_ALLOW "$hub" "$out" OCKAM_RELAY=x OCKAM_ALLOW==x
check_error 24 OCKAM_CREDENTIAL_TTL OCKAM_LISTEN=127.0.0.1:4000 OCKAM_CREDENTIAL_TTL=forever
check_error 24 OCKAM_CREDENTIAL_TTL OCKAM_LISTEN=127.0.0.1:4000 OCKAM_CREDENTIAL_TTL=5s
check_error 21 OCKAM_ENROLL "$hub" "$out" OCKAM_RELAY=x OCKAM_DATA="$work/never-enrolled"
check_error 21 OCKAM_ENROLL "$hub" "$in" OCKAM_FORWARD=x OCKAM_DATA="$work/never-enrolled"

# A hub to run against; a port already taken is an OCKAM_LISTEN (hub) or OCKAM_IN (inlet) error.
start_hub hub "$hp"; hub_pid=$last_pid
set +e; timeout 30 env -i OCKAM_LISTEN=127.0.0.1:$hp "$portico" >"$work/taken.log" 2>&1; rc=$?; set -e
[ "$rc" -eq 10 ] && grep -q OCKAM_LISTEN "$work/taken.log" ||
  fail "a second hub on a taken port exited $rc, expected 10 naming OCKAM_LISTEN: $(cat "$work/taken.log")"
set +e; timeout 30 env -i OCKAM_HUB=127.0.0.1:$hp OCKAM_IN=127.0.0.1:$hp OCKAM_FORWARD=x "$portico" \
  >"$work/taken.log" 2>&1; rc=$?; set -e
[ "$rc" -eq 12 ] && grep -q OCKAM_IN "$work/taken.log" ||
  fail "an inlet on a taken port exited $rc, expected 12 naming OCKAM_IN: $(cat "$work/taken.log")"
checked=$((checked + 2))

# Both OCKAM_IN and OCKAM_OUT: an inlet, with a warning naming OCKAM_OUT, and no outlet.
OCKAM_HUB=127.0.0.1:$hp OCKAM_IN=127.0.0.1:$lp OCKAM_OUT=127.0.0.1:$dead OCKAM_FORWARD=x OCKAM_RELAY=y \
  OCKAM_ENROLL="$hub_token" OCKAM_DATA="$work/both-data" "$portico" >"$work/both.log" 2>&1 & both=$!; pids+=("$both")
wait_for_log "$work/both.log" "inlet listening on 127\.0\.0\.1:$lp"
wait_for_log "$work/both.log" "warn.*OCKAM_OUT"
sleep 0.5
! grep -q "outlet ready" "$work/both.log" || fail "with OCKAM_IN and OCKAM_OUT the agent also ran an outlet"
stop_agent "$both" "inlet with OCKAM_OUT set"

# Names of 64 characters are fine.
start_outlet long "$hp" "$dead" "$name64"; stop_agent "$last_pid" "outlet with a 64-character relay"
start_inlet long-in "$hp" "$lp" "$name64"; stop_agent "$last_pid" "inlet with a 64-character forward name"

# Relay names: OCKAM_RELAY, else the device id (BALENA_DEVICE_UUID, a Pi's serial, ...), else an id kept in
# OCKAM_DATA.
registered() {  # LOGNAME RELAY
  grep -qF "relay \"$2\" registered on hub 127.0.0.1:$hp" "$work/$1.log" || fail "$1: no registration of \"$2\""
}
start_outlet explicit "$hp" "$dead" chosen BALENA_DEVICE_UUID=abc123 OCKAM_DATA="$work"
registered explicit chosen; stop_agent "$last_pid" "outlet with OCKAM_RELAY"
relay_of() { sed -n 's/.*outlet ready: relay "\([^"]*\)".*/\1/p' "$work/$1.log" | head -n 1; }
mkdir -p "$work/uuid-data"
start_outlet uuid "$hp" "$dead" "" BALENA_DEVICE_UUID=abc123 OCKAM_DATA="$work/uuid-data"
[ "$(relay_of uuid)" = abc123 ] || fail "with BALENA_DEVICE_UUID=abc123 the relay is '$(relay_of uuid)'"
registered uuid abc123; stop_agent "$last_pid" "outlet named by BALENA_DEVICE_UUID"

# The device id comes next: a Raspberry Pi's serial (a fake Pi's files under OCKAM_PLATFORM_ROOT).
mkdir -p "$work/pi-root/proc" "$work/pi-root/sys/firmware/devicetree/base"
printf 'Raspberry Pi 4 Model B Rev 1.4\0' >"$work/pi-root/sys/firmware/devicetree/base/model"
printf 'processor\t: 0\nHardware\t: BCM2835\nSerial\t\t: 10000000a1b2c3d4\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n' \
  >"$work/pi-root/proc/cpuinfo"
start_outlet pi "$hp" "$dead" "" OCKAM_PLATFORM_ROOT="$work/pi-root"
[ "$(relay_of pi)" = 10000000a1b2c3d4 ] || fail "on the fake Pi the relay is '$(relay_of pi)', not its serial"
grep -q "platform: Raspberry Pi 4 Model B Rev 1.4, .*AES hardware" "$work/pi.log" || fail "no platform line for the fake Pi"
stop_agent "$last_pid" "outlet named by the Pi's serial"

# A board with no device id at all (an empty root) falls back to the id kept in OCKAM_DATA.
mkdir -p "$work/d1" "$work/d2" "$work/bare-root"
bare=OCKAM_PLATFORM_ROOT="$work/bare-root"
start_outlet first "$hp" "$dead" "" "$bare" OCKAM_DATA="$work/d1"; stop_agent "$last_pid" "outlet with OCKAM_DATA d1"
start_outlet again "$hp" "$dead" "" "$bare" OCKAM_DATA="$work/d1"; again=$last_pid
start_outlet other "$hp" "$dead" "" "$bare" OCKAM_DATA="$work/d2"; stop_agent "$last_pid" "outlet with OCKAM_DATA d2"
first=$(relay_of first); second=$(relay_of again); other=$(relay_of other)
[[ "$first" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || fail "the derived relay name '$first' is not a valid relay name"
[ "$first" = "$second" ] || fail "the same OCKAM_DATA gave relay '$first', then '$second'"
[ "$first" != "$other" ] || fail "different OCKAM_DATA directories both gave relay '$first'"
registered again "$second"
[ -n "$(ls -A "$work/d1")" ] || fail "nothing was stored in OCKAM_DATA"

# That derived name is reachable: an inlet forwarding to it reaches the outlet's target.
tp=$(free_port); lp2=$(free_port)
stop_agent "$again" "outlet with OCKAM_DATA d1 (second run)"
start_server target echo-server --port "$tp"
start_outlet third "$hp" "$tp" "" "$bare" OCKAM_DATA="$work/d1"; third=$last_pid
[ "$(relay_of third)" = "$first" ] || fail "a third run with OCKAM_DATA d1 gave relay '$(relay_of third)', not '$first'"
start_inlet reach "$hp" "$lp2" "$first"; reach=$last_pid
r=$(python3 "$load" concurrent-client --port "$lp2" --streams 3 --timeout 30 2>&1) ||
  fail "through an inlet forwarding to the derived relay '$first': $r"

# Signals: SIGINT and SIGTERM both exit 0.
stop_agent "$reach" inlet INT
stop_agent "$third" outlet INT
stop_agent "$hub_pid" hub INT
start_hub hub2 "$hp"; stop_agent "$last_pid" hub TERM
echo "portal config test passed: $checked configuration errors checked; relay names: explicit 'chosen'," \
  "device 'abc123', Pi serial '10000000a1b2c3d4', from OCKAM_DATA '$first' (stable over 3 runs) vs '$other'"
