#!/usr/bin/env bash
# The portico binary end to end: two real hub processes refuse plaintext routing (default deny: only secure
# channels are served, and only members route), naming what they dropped; and the binary's configuration errors.
. "$(dirname "$0")/lib.sh"
portico=$1

p1=$(free_port); p2=$(free_port)
OCKAM_LISTEN=127.0.0.1:$p1 OCKAM_DATA="$work/n1" OCKAM_LOG=debug "$portico" >"$work/n1.log" 2>&1 & pids+=($!)
OCKAM_LISTEN=127.0.0.1:$p2 OCKAM_DATA="$work/n2" OCKAM_LOG=debug "$portico" >"$work/n2.log" 2>&1 & pids+=($!)
wait_for_log "$work/n1.log" "hub listening"
wait_for_log "$work/n2.log" "hub listening"

# `portico send` speaks plaintext, as a node without a credential would: the first hub serves it nothing.
if "$portico" send "1#127.0.0.1:$p1,1#127.0.0.1:$p2,echo" "bridge hello" 1 >"$work/send.out" 2>&1; then
  fail "plaintext routing through the hub was answered: $(cat "$work/send.out")"
fi
wait_for_log "$work/n1.log" "denied a message for 1#127\.0\.0\.1:$p2 from link 0#tcp-in-[0-9a-f]+: only secure channels"
if "$portico" send "1#127.0.0.1:$p1,echo" "x" >/dev/null 2>&1; then fail "plaintext echo on the hub was answered"; fi
wait_for_log "$work/n1.log" "denied a message for 0#echo from link"
! grep -q "0#echo got" "$work/n1.log" "$work/n2.log" || fail "a plaintext message reached an echo worker"

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
