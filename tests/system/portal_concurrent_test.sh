#!/usr/bin/env bash
# Many streams at once through one inlet, hub and outlet: CONCURRENT_STREAMS (default 200) connections are open at
# the same time, each sends its own random payload (64-512 KiB) to an echo server and half-closes, and each must get
# back exactly its own bytes before EOF.
. "$(dirname "$0")/portal_lib.sh"
streams=${CONCURRENT_STREAMS:-200}

hp=$(free_port); tp=$(free_port); lp=$(free_port)
start_server target echo-server --port "$tp"
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" echo-service; outlet=$last_pid
start_inlet inlet "$hp" "$lp" echo-service; inlet=$last_pid

result=$(python3 "$load" concurrent-client --port "$lp" --streams "$streams" --min 65536 --max 524288 \
  --timeout 120 2>&1) || fail "concurrent streams: $result"
# The agents are still fine afterwards: one more stream.
again=$(python3 "$load" concurrent-client --port "$lp" --streams 1 --timeout 30 2>&1) ||
  fail "a stream after the concurrent ones: $again"

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "$result"
echo "portal concurrent test passed"
