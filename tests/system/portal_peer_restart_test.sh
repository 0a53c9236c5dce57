#!/usr/bin/env bash
# An outlet that dies (kill -9: no goodbye to anyone) and comes back with the same identity: the inlet's
# end-to-end channel now leads to nobody (its records go through the hub's channel to the old outlet, gone with
# its link). The hub answers the first record on it with a refusal, so
#  - a stream opened right after the restart is carried on a new channel (retried once, no open timeout), and
#  - a stream that was open through the old outlet is closed at once with the reason, not after the 35 s
#    dead-peer timeout.
# And an inlet that dies with a stream open: the outlet closes that stream (and its target connection) on its
# next keepalive.
#   portal_peer_restart_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"
hp=$(free_port); tp=$(free_port); ip=$(free_port)
start_server echo echo-server --port "$tp"
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" restart; outlet=$last_pid
start_inlet inlet "$hp" "$ip" restart; inlet=$last_pid

# echo_once LABEL: one connection through the inlet, one echoed line, within 8 s (less than the 10 s open timeout).
echo_once() {
  python3 - "$ip" "$1" <<'PY' || fail "no echo through the inlet for '$1'"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(sys.argv[2].encode() + b"\n")
got = b""
while not got.endswith(b"\n"):
    chunk = s.recv(100)
    if not chunk:
        sys.exit(f"closed after {got!r}")
    got += chunk
assert got == sys.argv[2].encode() + b"\n", got
PY
}
echo_once before
wait_for_log "$work/inlet.log" "end-to-end secure channel to relay \"restart\" .* established"

# A stream held open across the restart: it prints when its connection ends.
python3 - "$ip" >"$work/held.log" 2>&1 <<'PY' & held=$!; pids+=("$held")
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"held\n")
assert s.recv(100) == b"held\n"
print("held stream open", flush=True)
s.settimeout(60)
try:
    while s.recv(100):
        pass
    how = "EOF"
except OSError as e:
    how = e.strerror or type(e).__name__
print(f"held stream closed ({how}) at {time.time():.3f}", flush=True)
PY
wait_for_log "$work/held.log" "held stream open"

kill -9 "$outlet"; wait "$outlet" 2>/dev/null || true; forget_pid "$outlet"
mv "$work/outlet.log" "$work/outlet-first.log"
start_outlet outlet "$hp" "$tp" restart; outlet=$last_pid
restarted=$(now)

start=$(now)
echo_once after
took=$(python3 -c "print(f'{$(now) - $start:.2f}')")
# Whichever record meets the gap first closes the old channel: the new stream's Open (then it is opened again),
# or, on a slow machine, the held stream's keepalive (then the new stream finds a fresh channel straight away).
if ! grep -q "opening it again" "$work/inlet.log"; then
  grep -q "held stream closed" "$work/held.log" ||
    fail "the stream after the restart was neither opened again nor preceded by the old channel's closing"
fi
# The record for the old outlet's channel is answered by the hub (the relay was still offline: its dead letters)
# or, once the new outlet holds the relay, by the new outlet (its dead letters): the relay leads to the name's
# current node, not to a hub-side channel that is gone.
grep -q "that channel .* is gone" "$work/hub.log" "$work/outlet.log" ||
  fail "neither the hub nor the new outlet answered the record for the old outlet's channel"
echo "a stream right after the outlet restart: echoed in ${took} s on a new end-to-end channel"

wait_for_log "$work/held.log" "held stream closed" 15
closed_at=$(sed -n 's/.* at \([0-9.]*\)$/\1/p' "$work/held.log")
after=$(python3 -c "print(f'{$closed_at - $restarted:.2f}')")
grep -q "closed: its end-to-end channel closed: refused by the peer: no such channel any more" "$work/inlet.log" ||
  fail "the inlet did not log why the held stream closed"
echo "the stream held across the restart: closed ${after} s after the new outlet registered, reason logged"
echo_once again

# The other way round: an inlet that dies with a stream open. The outlet's next keepalive on that stream (sent
# within 10 s) meets the hub's refusal, so the outlet closes the channel and the stream's target connection
# then, instead of 35 s later.
python3 - "$ip" >"$work/held2.log" 2>&1 <<'PY' & pids+=($!)
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"held\n")
assert s.recv(100) == b"held\n"
print("held stream open", flush=True)
time.sleep(60)
PY
wait_for_log "$work/held2.log" "held stream open"
kill -9 "$inlet"; wait "$inlet" 2>/dev/null || true; forget_pid "$inlet"
died=$(now)
wait_for_log "$work/outlet.log" "closed: its end-to-end channel closed: refused by the peer: no such channel any more" 15
echo "a stream whose inlet died: the outlet closed it $(python3 -c "print(f'{$(now) - $died:.1f}')") s later (keepalive 10 s), reason logged"

stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "peer restart test passed"
