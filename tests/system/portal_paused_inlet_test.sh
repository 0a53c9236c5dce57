#!/usr/bin/env bash
# An operator's inlet paused (SIGSTOP: a laptop lid, a paused VM) for 8 s while 60 downloads run through it.
# Nothing of it may reach anyone else: the hub's queue to the paused inlet is bounded by the streams' credit and
# never makes the hub's reader of the outlet's link wait, so
#  - another inlet to the same outlet is never interrupted: a download through it runs on at its rate, and a new
#    request through it every 0.2 s succeeds, during the pause and after it;
#  - once the paused inlet resumes, a new request through it succeeds within 2 s.
#   portal_paused_inlet_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"
hp=$(free_port); tp=$(free_port); ipa=$(free_port); ipb=$(free_port)
start_server source source-server --port "$tp" --bytes 4000000000
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" paused; outlet=$last_pid
start_inlet paused-inlet "$hp" "$ipa" paused; paused_inlet=$last_pid
start_inlet other-inlet "$hp" "$ipb" paused; other_inlet=$last_pid

readers="$(cd "$(dirname "$0")" && pwd)/many_readers.py"
# 60 downloads through the inlet that will be paused, 2 MB/s each; how each ends does not matter here.
python3 "$readers" --port "$ipa" --count 60 --rate 2000000 --duration 40 --status "$work/a.status" \
  >"$work/a.log" 2>&1 & pids+=($!)
# A download through the other inlet for the whole test: it must run its 25 s without a stall or a reset.
python3 "$load" read-client --port "$ipb" --rate 4000000 --duration 25 --timeout 3 \
  --progress "$work/b-long.progress" >"$work/b-long.log" 2>&1 & b_long=$!; pids+=("$b_long")

# request PORT TIMEOUT: one new connection, the first 64 KiB of the source, within TIMEOUT seconds.
request() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
port, timeout = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
got = 0
while got < 65536:
    chunk = s.recv(65536 - got)
    if not chunk:
        sys.exit(f"closed after {got} bytes")
    got += len(chunk)
PY
}

# Every download through the paused inlet has started moving before the pause.
deadline=$((SECONDS + 30))
until [ -s "$work/a.status" ] && [ "$(cut -d' ' -f1 "$work/a.status")" -ge 60 ]; do
  ((SECONDS < deadline)) || fail "only $(cut -d' ' -f1 "$work/a.status" 2>/dev/null) of 60 downloads through the inlet started"
  sleep 0.05
done
echo "60 downloads flowing through the inlet about to be paused"

# Requests through the other inlet, every 0.2 s, from before the pause to after the resume.
python3 - "$ipb" >"$work/b-probe.log" 2>&1 <<'PY' & probe=$!; pids+=("$probe")
import socket, sys, time
port = int(sys.argv[1])
worst = 0.0
for n in range(75):  # 15 s
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        got = 0
        while got < 65536:
            chunk = s.recv(65536 - got)
            if not chunk:
                raise OSError(f"closed after {got} bytes")
            got += len(chunk)
        s.close()
    except OSError as e:
        print(f"request {n} through the other inlet failed: {e}", flush=True)
        sys.exit(1)
    took = time.monotonic() - start
    worst = max(worst, took)
    time.sleep(max(0.0, 0.2 - took))
print(f"75 requests through the other inlet, slowest {worst:.3f} s", flush=True)
PY

kill -STOP "$paused_inlet"
echo "inlet paused (SIGSTOP) for 8 s"
sleep 8  # the pause being tested, not a wait for anything
kill -CONT "$paused_inlet"
resumed=$(now)
until request "$ipa" 1 2>/dev/null; do
  python3 -c "import sys; sys.exit(0 if $(now) - $resumed < 2 else 1)" ||
    fail "no request through the resumed inlet succeeded within 2 s"
done
took=$(python3 -c "print(f'{$(now) - $resumed:.2f}')")
echo "a new request through the resumed inlet succeeded ${took} s after SIGCONT"

wait "$probe" || { cat "$work/b-probe.log" >&2; fail "the other inlet was interrupted"; }
forget_pid "$probe"
cat "$work/b-probe.log"
wait "$b_long" || { cat "$work/b-long.log" >&2; fail "the download through the other inlet stalled or failed"; }
forget_pid "$b_long"
echo "the other inlet's download: $(tail -n 1 "$work/b-long.log")"
request "$ipb" 5 || fail "the other inlet no longer serves"

stop_agent "$paused_inlet" paused-inlet
stop_agent "$other_inlet" other-inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "paused inlet test passed"
