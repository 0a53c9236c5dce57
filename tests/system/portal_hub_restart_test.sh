#!/usr/bin/env bash
# The hub dies (kill -9) in the middle of a transfer and comes back on the same port after HUB_DOWN_SECONDS
# (default 5). The stream in flight is closed within 10 s (not left hanging); the outlet registers its relay again
# within 2 s of the new hub listening; a fresh connection through the inlet, which was never restarted, works.
. "$(dirname "$0")/portal_lib.sh"
down=${HUB_DOWN_SECONDS:-5}
relay=restart-me

hp=$(free_port); tp=$(free_port); lp=$(free_port)
start_server target source-server --port "$tp" --bytes 100000000000
start_hub hub1 "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" "$relay"; outlet=$last_pid
start_inlet inlet "$hp" "$lp" "$relay"; inlet=$last_pid
registered="relay \"$relay\" registered on hub 127.0.0.1:$hp"

# A transfer in progress: 2 MB/s, checked byte for byte, until the connection is closed.
inflight_start=$(now)
python3 "$load" read-client --port "$lp" --rate 2000000 --duration 60 --until-closed --timeout 30 \
  --progress "$work/inflight.progress" >"$work/inflight.log" 2>&1 & inflight=$!; pids+=("$inflight")
for ((i = 0; i < 200; i++)); do
  [ "$(cut -d' ' -f1 "$work/inflight.progress" 2>/dev/null || echo 0)" -gt 1000000 ] && break
  sleep 0.05
done
[ "$(cut -d' ' -f1 "$work/inflight.progress")" -gt 1000000 ] || fail "the transfer did not get going"

before=$(grep -cF "$registered" "$work/outlet.log" || true)
[ "$before" -ge 1 ] || fail "no '$registered' line before the restart"
kill -9 "$hub"; wait "$hub" 2>/dev/null || true; forget_pid "$hub"
killed=$(now)

# Note when the stream in flight is closed (checked at the end).
inflight_closed=
while awk -v s="$killed" -v e="$(now)" -v d="$down" 'BEGIN { exit !(e - s < d) }'; do
  if ! alive "$inflight"; then
    inflight_closed=$(awk -v s="$killed" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
    break
  fi
  sleep 0.05
done
sleep "$(awk -v s="$killed" -v e="$(now)" -v d="$down" 'BEGIN { r = d - (e - s); print (r > 0 ? r : 0) }')"

python3 "$load" watch-restart --listen-log "$work/hub2.log" --listen "hub listening on 127.0.0.1:$hp" \
  --reg-log "$work/outlet.log" --reg "$registered" --reg-after "$before" --timeout 20 --ready "$work/watching" \
  >"$work/watch.out" 2>&1 &
watch=$!; pids+=("$watch")
wait_for_log "$work/watching" watching
start_hub hub2 "$hp" hub1; hub=$last_pid
wait "$watch" || fail "re-registration: $(cat "$work/watch.out")"
forget_pid "$watch"
read -r delay delay_stamps <"$work/watch.out"
awk -v d="$delay" 'BEGIN { exit !(d < 2.0) }' ||
  fail "the outlet registered again ${delay}s after the new hub was listening (limit 2s)"
[ "$delay_stamps" = unknown ] || awk -v d="$delay_stamps" 'BEGIN { exit !(d < 2.0) }' ||
  fail "by the log timestamps the outlet registered again ${delay_stamps}s after the new hub listened (limit 2s)"

# A fresh connection through the same inlet: data flows, byte for byte. The inlet may need a moment to redial.
fresh_start=$(now); attempts=0
until fresh=$(python3 "$load" read-client --port "$lp" --duration 1 --timeout 5 2>&1) &&
  [ "$(sed -n 's/^read \([0-9]*\) bytes.*/\1/p' <<<"$fresh")" -gt 1000000 ]; do
  attempts=$((attempts + 1))
  awk -v s="$fresh_start" -v e="$(now)" 'BEGIN { exit !(e - s < 10) }' ||
    fail "no working connection through the inlet within 10s after the hub came back ($attempts attempts; last: $fresh)"
  sleep 0.2
done
fresh_after=$(awk -v s="$fresh_start" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')  # includes its 1 s read

echo "re-registered ${delay}s after the new hub listened (log timestamps: ${delay_stamps}s); a fresh connection" \
  "through the inlet worked after $attempts failed attempts (${fresh_after}s)"

# The stream that was in flight when the hub died: closed (EOF or reset), not left hanging, within 10 s of the kill.
if [ -z "$inflight_closed" ]; then
  while alive "$inflight" && awk -v s="$killed" -v e="$(now)" 'BEGIN { exit !(e - s < 10) }'; do sleep 0.05; done
  if alive "$inflight"; then
    read -r got last <"$work/inflight.progress"
    sockets=$(ss -tnH state established "( sport = :$lp or dport = :$tp )" 2>/dev/null |
      awk '{ printf "%s<->%s; ", $3, $4 }')
    fail "the stream in flight when the hub was killed is still open $(awk -v s="$killed" -v e="$(now)" \
      'BEGIN { printf "%.1f", e - s }')s later: its client has read $got bytes, the last of them ${last}s after it" \
      "connected, the hub was killed $(awk -v s="$inflight_start" -v e="$killed" 'BEGIN { printf "%.1f", e - s }')s" \
      "after it connected; connections still established (client side and target side): ${sockets:-unknown}"
  fi
  inflight_closed="between $down and 10"
fi
wait "$inflight" || fail "the stream in flight: $(cat "$work/inflight.log")"
forget_pid "$inflight"

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "stream in flight: $(cat "$work/inflight.log")"
echo "fresh stream: $fresh"
echo "portal hub restart test passed: hub down ${down}s; stream in flight closed ${inflight_closed}s after the kill;" \
  "re-registered ${delay}s after the new hub listened (log timestamps: ${delay_stamps}s); fresh connection worked" \
  "after $attempts failed attempts (${fresh_after}s)"
