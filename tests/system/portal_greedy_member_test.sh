#!/usr/bin/env bash
# A member that opens streams and then stops reading its link to the hub (it keeps the link alive: what it sends
# still arrives, heartbeats included), five times over. What it costs stays its own:
#  - the hub's queue to it is bounded by its streams' credit (the outlet never has more than its own window in
#    flight per stream, whatever the inlet announced), and the hub's reader of the outlet's link never waits on
#    it; the hub closes the member's session once it has taken nothing for the link's dead-peer time;
#  - requests from another inlet to the same outlet keep their latency throughout;
#  - after five connect/flood/disconnect cycles the hub's resident memory is within 8 MiB of where it started.
#   portal_greedy_member_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"
proxy="$(cd "$(dirname "$0")" && pwd)/freeze_proxy.py"
readers="$(cd "$(dirname "$0")" && pwd)/many_readers.py"
hp=$(free_port); tp=$(free_port); ipb=$(free_port); ipg=$(free_port); pp=$(free_port)
start_server source source-server --port "$tp" --bytes 4000000000
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" greedy; outlet=$last_pid
start_inlet honest "$hp" "$ipb" greedy; honest=$last_pid

# probe COUNT OUT: COUNT requests through the honest inlet (a new connection, the source's first 64 KiB, 2 s at
# most each: any failure fails the test), one every 0.1 s; writes "median max" seconds to OUT. The median is
# judged; the max is reported (on a busy machine a single request can take longer for reasons of its own).
probe() {
  python3 - "$ipb" "$1" "$2" <<'PY'
import socket, statistics, sys, time
port, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
took = []
for n in range(count):
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
        sys.exit(f"request {n} through the honest inlet failed: {e}")
    took.append(time.monotonic() - start)
    time.sleep(max(0.0, 0.1 - took[-1]))
open(out, "w").write(f"{statistics.median(took):.4f} {max(took):.4f}\n")
PY
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

probe 20 "$work/baseline" || fail "the honest inlet does not serve"
read -r base_median base_max <"$work/baseline"
hub_start=$(rss_kib "$hub")
echo "baseline through the honest inlet: median ${base_median} s, max ${base_max} s; hub RSS ${hub_start} KiB"

for cycle in 1 2 3 4 5; do
  rm -f "$work/freeze"
  python3 "$proxy" --listen "$pp" --upstream "$hp" --freeze "$work/freeze" >"$work/proxy-$cycle.log" 2>&1 &
  proxy_pid=$!; pids+=("$proxy_pid")
  wait_for_log "$work/proxy-$cycle.log" "listening on"
  start_inlet "greedy-$cycle" "$pp" "$ipg" greedy OCKAM_DATA="$work/data-greedy"; greedy=$last_pid
  python3 "$readers" --port "$ipg" --count 40 --duration 60 --status "$work/g-$cycle.status" >/dev/null 2>&1 &
  clients=($!); pids+=($!)
  deadline=$((SECONDS + 30))
  until [ -s "$work/g-$cycle.status" ] && [ "$(cut -d' ' -f1 "$work/g-$cycle.status")" -ge 40 ]; do
    ((SECONDS < deadline)) || fail "cycle $cycle: only $(cut -d' ' -f1 "$work/g-$cycle.status" 2>/dev/null) of 40 streams through the greedy member started"
    sleep 0.05
  done
  verdicts=$(grep -cE "the peer (took nothing|is not reading)" "$work/hub.log" || true)
  touch "$work/freeze"  # from now on the member reads nothing
  probe 40 "$work/during-$cycle" || fail "cycle $cycle: the honest inlet was interrupted"
  read -r median max <"$work/during-$cycle"
  python3 -c "import sys; sys.exit(0 if $median <= max(3 * $base_median, $base_median + 0.05) else 1)" ||
    fail "cycle $cycle: the honest inlet's latency went from median $base_median s to $median s (max $max s)"
  # The hub gives up on the member that reads nothing.
  deadline=$((SECONDS + 20))
  until [ "$(grep -cE "the peer (took nothing|is not reading)" "$work/hub.log" || true)" -gt "$verdicts" ]; do
    ((SECONDS < deadline)) || fail "cycle $cycle: the hub never closed the session of the member that reads nothing"
    sleep 0.05
  done
  kill -9 "$greedy" "$proxy_pid" "${clients[@]}" 2>/dev/null || true
  wait "$greedy" "$proxy_pid" "${clients[@]}" 2>/dev/null || true
  for p in "$greedy" "$proxy_pid" "${clients[@]}"; do forget_pid "$p"; done
  echo "cycle $cycle: honest median ${median} s (max ${max} s) while the member read nothing; hub RSS $(rss_kib "$hub") KiB"
done

probe 20 "$work/after" || fail "the honest inlet does not serve after the cycles"
hub_end=$(rss_kib "$hub")
grown=$(((hub_end - hub_start) / 1024))
echo "hub RSS after five cycles: ${hub_end} KiB (started at ${hub_start} KiB: ${grown} MiB more)"
sanitized || ((hub_end - hub_start <= 8 * 1024)) || fail "the hub kept ${grown} MiB after five cycles (limit 8)"

stop_agent "$honest" honest
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "greedy member test passed"
