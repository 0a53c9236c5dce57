#!/usr/bin/env bash
# Half-close and a refusing target. First the outlet's target port is closed: a client's connection through the
# inlet is closed in under 5 s and the inlet or outlet log says the target refused. Then the target starts on that
# port (same agents, never restarted): a server that reads the whole request until EOF and only then replies with
# SHA-256(request) in hex and 1 MiB derived from the request; the client sends, shuts down its write side, reads
# the reply until EOF and checks it, for several request sizes including an empty one.
. "$(dirname "$0")/portal_lib.sh"

hp=$(free_port); tp=$(free_port); lp=$(free_port)
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" half; outlet=$last_pid
start_inlet inlet "$hp" "$lp" half; inlet=$last_pid

# Nothing listens on the target port yet.
closed=$(python3 "$load" expect-close --port "$lp" --within 5 2>&1) ||
  fail "connection through the inlet to a refusing target: $closed"
closed2=$(python3 "$load" expect-close --port "$lp" --within 5 2>&1) || fail "second refused connection: $closed2"
why=
for ((i = 0; i < 40; i++)); do
  if grep -qi refused "$work/inlet.log"; then why=inlet; break; fi
  if grep -qi refused "$work/outlet.log"; then why=outlet; break; fi
  sleep 0.05
done
[ -n "$why" ] || fail "neither the inlet's nor the outlet's log says the target refused the connection"
alive "$inlet" && alive "$outlet" && alive "$hub" || fail "an agent died after the refused connection"

start_server target half-close-server --port "$tp" --reply-bytes 1048576
results=()
for size in 3145728 0 1 65536 20000000; do
  r=$(python3 "$load" half-close-client --port "$lp" --request-bytes "$size" --reply-bytes 1048576 --timeout 20 2>&1) ||
    fail "half-close exchange with a $size-byte request: $r"
  results+=("$r")
done

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
printf '%s\n' "${results[@]}"
echo "refused target: $closed / $closed2; the $why log says: $(grep -hi refused "$work/$why.log" | head -n 1)"
echo "portal half-close test passed"
