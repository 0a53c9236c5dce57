#!/usr/bin/env bash
# Direct paths through real Linux NATs (network namespaces built as ../shared/natlab/natlab.sh does; root only).
# Hub on the public side (203.0.113.1), outlet at 10.0.1.2 behind NAT a (203.0.113.10) serving python3 http.server,
# inlet at 10.0.2.2 behind NAT b (203.0.113.20):
#   - cone NATs: once the first stream opened their end-to-end channel, inlet and outlet exchange candidates inside
#     it, punch, and each logs the path proven via the other's NAT; their metrics say so (portico_direct_paths 1);
#     the inlet opens a channel over the direct link, and a DIRECT_BYTES (200 MB) download through the portal
#     arrives with the same SHA-256 while the hub's relay byte counters stay flat (under 1 MB more);
#   - the direct path dropped mid-download (iptables in NAT a): the download carries on over the relay and
#     finishes intact with no reset (curl exits 0); restored, traffic goes direct again within a minute;
#   - symmetric NATs (--random-fully): punching fails, each end says why, and streams work over the relay.
. "$(dirname "$0")/portal_lib.sh"

natlab=$(cd "$(dirname "$0")/../../.." && pwd)/shared/natlab/natlab.sh
if [ "$(id -u)" != 0 ] || [ ! -x "$natlab" ] || ! command -v iptables >/dev/null; then
  [ "${CI:-}" = true ] && fail "CI: this test needs root, iptables and $natlab"
  echo "NOTE: skipped (needs root, iptables and $natlab)"
  exit 0
fi
trap '"$natlab" down; cleanup' EXIT
printf 'through the portal\n' >"$work/index.html"

# metric HOST PORT NAME: a sample's value from an agent's /metrics inside its namespace.
metric() {
  ip netns exec "$1" curl -sf --max-time 5 "http://127.0.0.1:$2/metrics" | awk -v n="$3" '$1 == n { print $2 }'
}

# run_lab KIND: the three agents in a lab of KIND (cone or symmetric); leaves their logs as $work/KIND-*.log.
run_lab() {
  local kind=$1 data=$work/data-$1
  "$natlab" up "$kind" >/dev/null
  ip netns exec pub env OCKAM_LISTEN=203.0.113.1:4000 OCKAM_DATA="$data-hub" OCKAM_METRICS=127.0.0.1:9466 \
    OCKAM_LOG=info "$portico" \
    >"$work/$kind-hub.log" 2>&1 & pids+=($!); hub=$!
  wait_for_log "$work/$kind-hub.log" "rendezvous for direct paths on udp/203\.0\.113\.1:4000"
  device=$(OCKAM_DATA="$data-hub" "$portico" token --uses 2 role=device 2>/dev/null) || fail "portico token"
  operator=$(OCKAM_DATA="$data-hub" "$portico" token --uses 2 role=operator 2>/dev/null) || fail "portico token"
  ip netns exec a python3 -m http.server --bind 127.0.0.1 8080 --directory "$work" >"$work/$kind-http.log" 2>&1 &
  pids+=($!)
  wait_for_log "$work/$kind-http.log" "Serving HTTP on 127\.0\.0\.1 port 8080"
  ip netns exec a env OCKAM_HUB=203.0.113.1:4000 OCKAM_OUT=127.0.0.1:8080 OCKAM_RELAY=web OCKAM_ENROLL="$device" \
    OCKAM_DATA="$data-a" OCKAM_METRICS=127.0.0.1:9464 OCKAM_LOG=info "$portico" >"$work/$kind-outlet.log" 2>&1 &
  pids+=($!); outlet=$!
  wait_for_log "$work/$kind-outlet.log" "outlet ready: relay \"web\"" 20
  ip netns exec b env OCKAM_HUB=203.0.113.1:4000 OCKAM_IN=127.0.0.1:8081 OCKAM_FORWARD=web OCKAM_ENROLL="$operator" \
    OCKAM_DATA="$data-b" OCKAM_METRICS=127.0.0.1:9465 OCKAM_LOG=info "$portico" >"$work/$kind-inlet.log" 2>&1 &
  pids+=($!); inlet=$!
  wait_for_log "$work/$kind-inlet.log" "member of hub" 20
  # No waiting for the inlet's own endpoint: its first offer may go without it, and the one it makes on learning
  # it must still get through.
  [ "$(ip netns exec b curl -sf --max-time 10 http://127.0.0.1:8081/index.html)" = "through the portal" ] ||
    fail "$kind: no answer through the portal"
}

stop_lab() {
  local kind=$1
  [ "$(ip netns exec b curl -sf --max-time 10 http://127.0.0.1:8081/index.html)" = "through the portal" ] ||
    fail "$kind: streams stopped working after the punch"
  stop_agent "$inlet" inlet; stop_agent "$outlet" outlet; stop_agent "$hub" hub
  "$natlab" down
}

# --- cone NATs: punched --------------------------------------------------------------------------------------------
run_lab cone
wait_for_log "$work/cone-inlet.log" "direct paths: direct path to I[0-9a-f]+ proven via 203\.0\.113\.10:[0-9]+ \(round trip" 20
wait_for_log "$work/cone-outlet.log" "direct paths: direct path to I[0-9a-f]+ proven via 203\.0\.113\.20:[0-9]+ \(round trip" 20
for side in "b 9465" "a 9464"; do
  set -- $side
  [ "$(metric "$1" "$2" portico_direct_paths)" = 1 ] || fail "cone: host $1's metrics do not show its direct path"
  [ "$(metric "$1" "$2" portico_direct_path_successes_total)" -ge 1 ] || fail "cone: host $1 counts no success"
done
cone_line=$(grep -m1 -o "direct path to I[0-9a-f]* proven via [^ ]* (round trip [^)]*)" "$work/cone-inlet.log")
wait_for_log "$work/cone-inlet.log" "over the direct link established: new streams go direct" 20

# What the hub routed for relay "web", both ways.
hub_bytes() {
  ip netns exec pub curl -sf --max-time 5 http://127.0.0.1:9466/metrics |
    awk '$1 ~ /^portico_relay_bytes_total\{relay="web"/ { s += $2 } END { printf "%d\n", s }'
}
bytes=${DIRECT_BYTES:-200000000}
head -c "$bytes" /dev/urandom >"$work/big.bin"
want=$(sha256sum <"$work/big.bin" | cut -d' ' -f1)
before=$(hub_bytes)
start=$(now)
got=$(ip netns exec b curl -sf --max-time 120 http://127.0.0.1:8081/big.bin | sha256sum | cut -d' ' -f1)
seconds=$(printf "%.1f" "$(echo "$(now) - $start" | bc)")
[ "$got" = "$want" ] || fail "cone: the direct download arrived changed ($got, want $want)"
routed=$(( $(hub_bytes) - before ))
[ "$(metric b 9465 'portico_direct_link_bytes_total{path="direct"}')" -gt 1000000 ] ||
  fail "cone: the inlet's metrics show no bytes sent over the direct path"
[ "$routed" -lt 1000000 ] || fail "cone: the hub routed $routed bytes of a $bytes-byte download that should go direct"
direct_line="$bytes bytes direct in ${seconds} s, the hub routed $routed bytes meanwhile"

# The direct path dropped mid-download, then restored.
ip netns exec b curl -sf --max-time 300 --limit-rate 20M -o "$work/slow.bin" http://127.0.0.1:8081/big.bin &
curl_pid=$!; pids+=($curl_pid)
grown_to() { local i; for ((i = 0; i < 1200; i++)); do
  [ "$(stat -c %s "$work/slow.bin" 2>/dev/null || echo 0)" -ge "$1" ] && return 0; sleep 0.05; done
  fail "cone: the download did not reach $1 bytes"; }
grown_to $((bytes / 5))
before=$(hub_bytes)
ip netns exec nat_a iptables -I FORWARD -p udp -j DROP
wait_for_log "$work/cone-inlet.log" "the direct path to I[0-9a-f]+ is silent .* goes over the relay" 20
grown_to $((bytes * 2 / 5))  # carried on over the relay:
routed=$(( $(hub_bytes) - before ))
[ "$routed" -gt $((bytes / 10)) ] || fail "cone: the hub routed only $routed bytes while the direct path was down"
direct_lines=$(grep -c "goes over the direct path via" "$work/cone-inlet.log" || true)
ip netns exec nat_a iptables -D FORWARD -p udp -j DROP
restored=$(now)
for ((i = 0; i < 1200; i++)); do  # within a minute (a silent path is probed every second)
  [ "$(grep -c "goes over the direct path via" "$work/cone-inlet.log")" -gt "$direct_lines" ] && break; sleep 0.05
done
[ "$i" -lt 1200 ] || fail "cone: traffic did not go direct again within a minute of the path coming back"
back_after=$(printf "%.1f" "$(echo "$(now) - $restored" | bc)")
wait "$curl_pid" || fail "cone: the download failed when its path changed (curl: $?)"
[ "$(sha256sum <"$work/slow.bin" | cut -d' ' -f1)" = "$want" ] || fail "cone: the download arrived changed after the path changed"
# Back on the direct path: another download and the hub routes none of it.
before=$(hub_bytes)
got=$(ip netns exec b curl -sf --max-time 120 http://127.0.0.1:8081/big.bin | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "cone: the download after the path came back arrived changed"
routed_after=$(( $(hub_bytes) - before ))
[ "$routed_after" -lt 1000000 ] || fail "cone: the hub routed $routed_after bytes after the direct path came back"
stop_lab cone

# --- symmetric NATs: punching fails, the relay carries on ----------------------------------------------------------
run_lab symmetric
why="direct paths: no direct path to I[0-9a-f]+: no answer to 6 rounds of probes to [0-9]+ candidates \(both ends behind symmetric NATs"
wait_for_log "$work/symmetric-inlet.log" "$why" 30
wait_for_log "$work/symmetric-outlet.log" "$why" 30
# Behind --random-fully the port the hub saw is not the socket's: each end says its NAT does not keep ports.
grep -qE "$why.*this node's NAT maps its UDP port [0-9]+ to [0-9]+ \(it does not keep ports" \
  "$work/symmetric-inlet.log" || fail "symmetric: the inlet does not say its NAT changes ports"
! grep -q "proven via" "$work/symmetric-inlet.log" "$work/symmetric-outlet.log" || fail "symmetric: a path was proven"
[ "$(metric b 9465 portico_direct_paths)" = 0 ] || fail "symmetric: the inlet's metrics show a direct path"
# The transfer completes over the relay, intact.
sym_bytes=$((bytes / 4))
head -c "$sym_bytes" "$work/big.bin" >"$work/part.bin"
want_part=$(sha256sum <"$work/part.bin" | cut -d' ' -f1)
before=$(hub_bytes)
got=$(ip netns exec b curl -sf --max-time 120 http://127.0.0.1:8081/part.bin | sha256sum | cut -d' ' -f1)
[ "$got" = "$want_part" ] || fail "symmetric: the download over the relay arrived changed"
[ $(( $(hub_bytes) - before )) -ge "$sym_bytes" ] || fail "symmetric: the hub did not carry the download"
[ "$(metric b 9465 portico_direct_path_attempts_total)" -ge 1 ] || fail "symmetric: the inlet counts no attempt"
stop_lab symmetric
[ -n "${DIRECT_KEEP:-}" ] && cp "$work"/*.log "$DIRECT_KEEP"/
echo "direct paths: cone NATs punched ($cone_line); $direct_line; the direct path dropped mid-download: intact, no reset, direct again $back_after s after it came back (the hub then routed $routed_after bytes of the next download); symmetric NATs failed with a reason, the relay carried $sym_bytes bytes intact"
