#!/usr/bin/env bash
# The portico binary end to end: two real node processes, a message over two TCP hops to an echo worker and
# the reply back the same way; and the binary's configuration errors.
. "$(dirname "$0")/lib.sh"
portico=$1

p1=$(free_port); p2=$(free_port)
OCKAM_LISTEN=127.0.0.1:$p1 OCKAM_DATA="$work/n1" OCKAM_LOG=debug "$portico" >"$work/n1.log" 2>&1 & pids+=($!)
OCKAM_LISTEN=127.0.0.1:$p2 OCKAM_DATA="$work/n2" OCKAM_LOG=debug "$portico" >"$work/n2.log" 2>&1 & pids+=($!)
wait_for_log "$work/n1.log" "hub listening"
wait_for_log "$work/n2.log" "hub listening"

out=$("$portico" send "1#127.0.0.1:$p1,1#127.0.0.1:$p2,echo" "bridge hello" 3) || fail "send exited $?"
[ "$(grep -c '^reply "bridge hello" via 0#tcp-out-[0-9a-f]* => 0#tcp-out-[0-9a-f]* => 0#echo$' <<<"$out")" -eq 3 ] ||
  fail "unexpected replies: $out"
wait_for_log "$work/n2.log" '0#echo got 12 bytes "bridge hello" from 0#tcp-in-[0-9a-f]+ => 0#tcp-in-[0-9a-f]+ => 0#app'

# A route to an address nobody serves: no reply, non-zero exit, and the far node says what it dropped.
if "$portico" send "1#127.0.0.1:$p1,nobody" "x" >/dev/null 2>"$work/send.err"; then fail "send to nobody succeeded"; fi
wait_for_log "$work/n1.log" "dropped message for unknown address 0#nobody"

# Configuration errors: one line naming the variable, distinct exit codes.
check_error() {  # expected_code variable env...
  local code=$1 variable=$2; shift 2
  set +e; msg=$(env -i "$@" "$portico" 2>&1); rc=$?; set -e
  [ "$rc" -eq "$code" ] || fail "env $* exited $rc, expected $code ($msg)"
  [ "$(wc -l <<<"$msg")" -eq 1 ] || fail "more than one line: $msg"
  grep -q "$variable" <<<"$msg" || fail "message does not name $variable: $msg"
}
check_error 9 OCKAM_LISTEN
check_error 10 OCKAM_LISTEN OCKAM_LISTEN=127.0.0.1:0
check_error 19 OCKAM_LOG OCKAM_LISTEN=127.0.0.1:4000 OCKAM_LOG=loud
echo "agent bridge test passed"
