#!/usr/bin/env bash
# Direct path against the relay path through an impaired network: the NAT lab (../shared/natlab/natlab.sh, cone
# NATs; root) with NAT a's public link cut in two and joined by bench/delay_line.py (this kernel has no tc netem),
# which delays each frame DELAY_MS and loses LOSS_PCT % of them, each way. Both paths from the outlet in a cross it
# (direct to b, or to the hub), so both see the same impairment: by default 20 ms each way (40 ms round trip) and
# 1 % loss each way.
# Two inlets in b, one with direct paths (the default) and one with OCKAM_P2P=off, download the same file from
# python3 http.server behind the outlet in a, ROUNDS times each, alternating; prints MB/s per round, the medians
# and their ratio.
#   bench/direct_bench.sh [PORTICO]     (env: BYTES, ROUNDS, DELAY_MS, LOSS_PCT)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
portico=${1:-$repo/build/default/agent/portico}
natlab=$repo/../shared/natlab/natlab.sh
bytes=${BYTES:-50000000} rounds=${ROUNDS:-3} delay=${DELAY_MS:-20} loss=${LOSS_PCT:-1}
[ "$(id -u)" = 0 ] || { echo "direct_bench: needs root (network namespaces)" >&2; exit 2; }
[ -x "$natlab" ] && [ -x "$portico" ] || { echo "direct_bench: needs $natlab and $portico" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  "$natlab" down; ip netns del wire 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_log() { local i; for ((i = 0; i < 600; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "direct_bench: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1; }
agent() { local ns=$1 log=$2; shift 2
  ip netns exec "$ns" env -u OCKAM_LISTEN -u OCKAM_HUB -u OCKAM_IN -u OCKAM_OUT -u OCKAM_FORWARD -u OCKAM_RELAY \
    -u OCKAM_DATA -u OCKAM_ENROLL -u OCKAM_P2P OCKAM_LOG=info "$@" "$portico" >"$work/$log.log" 2>&1 &
  pids+=($!); }

"$natlab" up cone >/dev/null
# NAT a's public link, wan_a (nat_a) <-> p_a (pub), becomes wan_a <-> x_a [delay line] y_a <-> p_a.
ip netns add wire
ip netns exec nat_a ip link del wan_a
ip link add wan_a netns nat_a type veth peer name x_a netns wire
ip link add y_a netns wire type veth peer name p_a netns pub
ip netns exec nat_a ip addr add 203.0.113.10/24 dev wan_a
ip netns exec nat_a ip link set wan_a up
ip netns exec pub ip link set p_a master br0
ip netns exec pub ip link set p_a up
for dev in x_a y_a; do ip netns exec wire ip link set "$dev" up promisc on; done
ip netns exec nat_a ip link set dev wan_a gso_max_segs 1
ip netns exec pub ip link set dev p_a gso_max_segs 1
ip netns exec nat_a python3 "$repo/bench/delay_line.py" --offload-off wan_a
ip netns exec pub python3 "$repo/bench/delay_line.py" --offload-off p_a
ip netns exec wire python3 "$repo/bench/delay_line.py" x_a y_a "$delay" "$loss" >"$work/line.log" 2>&1 & pids+=($!)
wait_log "$work/line.log" "delay line x_a <-> y_a"
agent pub hub OCKAM_LISTEN=203.0.113.1:4000 OCKAM_DATA="$work/hub"
wait_log "$work/hub.log" "hub listening on"
device=$(OCKAM_DATA="$work/hub" "$portico" token --uses 2 role=device 2>/dev/null)
operator=$(OCKAM_DATA="$work/hub" "$portico" token --uses 4 role=operator 2>/dev/null)
head -c "$bytes" /dev/urandom >"$work/file.bin"
ip netns exec a python3 -m http.server --bind 127.0.0.1 8080 --directory "$work" >"$work/http.log" 2>&1 & pids+=($!)
wait_log "$work/http.log" "Serving HTTP"
agent a outlet OCKAM_HUB=203.0.113.1:4000 OCKAM_OUT=127.0.0.1:8080 OCKAM_RELAY=web OCKAM_ENROLL="$device" \
  OCKAM_DATA="$work/a"
wait_log "$work/outlet.log" "outlet ready"
agent b direct OCKAM_HUB=203.0.113.1:4000 OCKAM_IN=127.0.0.1:8081 OCKAM_FORWARD=web OCKAM_ENROLL="$operator" \
  OCKAM_DATA="$work/b1"
agent b relay OCKAM_HUB=203.0.113.1:4000 OCKAM_IN=127.0.0.1:8082 OCKAM_FORWARD=web OCKAM_ENROLL="$operator" \
  OCKAM_DATA="$work/b2" OCKAM_P2P=off
wait_log "$work/direct.log" "member of hub"
wait_log "$work/relay.log" "member of hub"
ip netns exec b curl -sf -o /dev/null http://127.0.0.1:8081/http.log  # opens the channel; then the punch
ip netns exec b curl -sf -o /dev/null http://127.0.0.1:8082/http.log
wait_log "$work/direct.log" "over the direct link established"

# mbps PORT: one download's MB/s through the inlet on PORT (curl's own average).
mbps() {
  ip netns exec b curl -sf --max-time 600 -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$1/file.bin" |
    awk '{ printf "%.2f\n", $1 / 1e6 }'
}
direct=() relay=()
for ((r = 1; r <= rounds; r++)); do
  direct+=("$(mbps 8081)"); relay+=("$(mbps 8082)")
  echo "round $r: direct ${direct[-1]} MB/s, relay ${relay[-1]} MB/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
d=$(median "${direct[@]}") rl=$(median "${relay[@]}")
grep -q "goes over the relay" "$work/direct.log" && echo "NOTE: the direct inlet fell back to the relay during the run"
echo "direct path vs relay path through $delay ms and $loss % loss each way (RTT $((2 * delay)) ms), $bytes bytes, $rounds rounds:"
echo "  direct $d MB/s, relay $rl MB/s, direct/relay $(awk -v d="$d" -v r="$rl" 'BEGIN { printf "%.2f", d / r }')"
