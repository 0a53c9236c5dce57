#!/usr/bin/env bash
# SIGTERM and SIGINT: each role stops accepting, drains open streams for at most 3 s, and exits 0 — well inside
# balena's 10 s. An idle agent exits at once; one with a stream that never ends exits after the drain time.
. "$(dirname "$0")/lib.sh"
portico=$1

hub_port=$(free_port); in_port=$(free_port); target_port=$(free_port)
# A target that accepts and keeps every connection open, saying nothing.
python3 - "$target_port" >"$work/target.log" 2>&1 <<'PY' & pids+=($!)
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_DATA="$work/hub" "$portico" >"$work/hub.log" 2>&1 & hub=$!; pids+=($hub)
wait_for_log "$work/hub.log" "hub listening"
token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 2 2>/dev/null) || fail "portico token failed"
operator_token=$(OCKAM_DATA="$work/hub" "$portico" token role=operator 2>/dev/null) || fail "portico token failed"
OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$target_port OCKAM_RELAY=sig OCKAM_DATA="$work/data" \
  OCKAM_ENROLL=$token "$portico" >"$work/outlet.log" 2>&1 & outlet=$!; pids+=($outlet)
wait_for_log "$work/outlet.log" "outlet ready"
OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=sig OCKAM_LOG=debug OCKAM_DATA="$work/inlet" \
  OCKAM_ENROLL=$operator_token "$portico" >"$work/inlet.log" 2>&1 & inlet=$!; pids+=($inlet)
wait_for_log "$work/inlet.log" "inlet listening"
wait_for_log "$work/inlet.log" "member of hub"

# One stream that never ends on its own.
python3 - "$in_port" >"$work/client.log" 2>&1 <<'PY' & pids+=($!)
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"hello")
time.sleep(60)
PY
wait_for_log "$work/inlet.log" "stream 1 .* open, peer stream"

stop_and_time() {  # pid signal -> sets t to the seconds taken; fails unless exit code 0
  local pid=$1 sig=$2 start end rc
  start=$(date +%s.%N)
  kill -"$sig" "$pid"
  set +e; wait "$pid"; rc=$?; set -e
  end=$(date +%s.%N)
  [ "$rc" -eq 0 ] || fail "pid $pid exited $rc after SIG$sig"
  t=$(python3 -c "print(f'{$end - $start:.2f}')")
}

stop_and_time "$inlet" TERM
echo "inlet with one open stream exited 0 after SIGTERM in ${t}s"
python3 -c "import sys; sys.exit(0 if 2.5 <= $t < 5 else 1)" || fail "inlet took ${t}s (expected the 3 s drain)"
grep -q "stream 1 .*closed: the inlet is shutting down" "$work/inlet.log" || fail "the drained stream's close is not logged"

# The inlet no longer accepts.
if python3 -c "import socket; socket.create_connection(('127.0.0.1', $in_port), timeout=1)" 2>/dev/null; then
  fail "inlet port still accepts after exit"
fi

stop_and_time "$outlet" INT
echo "outlet exited 0 after SIGINT in ${t}s"
python3 -c "import sys; sys.exit(0 if $t < 5 else 1)" || fail "outlet took ${t}s"
stop_and_time "$hub" TERM
echo "hub exited 0 after SIGTERM in ${t}s"
python3 -c "import sys; sys.exit(0 if $t < 1 else 1)" || fail "idle hub took ${t}s"
echo "agent signal test passed"
