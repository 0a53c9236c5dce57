#!/usr/bin/env bash
# Direct path against the relay path through an impaired network: the NAT lab (../shared/natlab/natlab.sh, cone
# NATs; root) with tc netem on both NATs' public sides and the hub's ports towards them, each adding DELAY_MS and
# LOSS_PCT % loss on the way out. Every path then sees the same impairment: inlet b -> outlet a, direct or through
# the hub, crosses two of them each way (defaults 10 ms and 0.5 % each: 40 ms round trip, about 1 % loss each way).
# Two inlets in b, one with direct paths (the default) and one with OCKAM_P2P=off, download the same file from
# python3 http.server behind the outlet in a, ROUNDS times each, alternating; prints MB/s per round, the medians
# and their ratio.
#   bench/direct_bench.sh [PORTICO]     (env: BYTES, ROUNDS, DELAY_MS, LOSS_PCT)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
portico=${1:-$repo/build/default/agent/portico}
natlab=$repo/../shared/natlab/natlab.sh
bytes=${BYTES:-50000000} rounds=${ROUNDS:-3} delay=${DELAY_MS:-10} loss=${LOSS_PCT:-0.5}
[ "$(id -u)" = 0 ] || { echo "direct_bench: needs root (network namespaces)" >&2; exit 2; }
[ -x "$natlab" ] && [ -x "$portico" ] || { echo "direct_bench: needs $natlab and $portico" >&2; exit 2; }
command -v tc >/dev/null || { echo "direct_bench: needs tc (iproute2)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  "$natlab" down; rm -rf "$work"; }
trap cleanup EXIT
wait_log() { local i; for ((i = 0; i < 600; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "direct_bench: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1; }
agent() { local ns=$1 log=$2; shift 2
  ip netns exec "$ns" env -u OCKAM_LISTEN -u OCKAM_HUB -u OCKAM_IN -u OCKAM_OUT -u OCKAM_FORWARD -u OCKAM_RELAY \
    -u OCKAM_DATA -u OCKAM_ENROLL -u OCKAM_P2P OCKAM_LOG=info "$@" "$portico" >"$work/$log.log" 2>&1 &
  pids+=($!); }

"$natlab" up cone >/dev/null
for dev in "nat_a wan_a" "nat_b wan_b" "pub p_a" "pub p_b"; do
  set -- $dev
  ip netns exec "$1" tc qdisc add dev "$2" root netem delay "${delay}ms" loss "${loss}%" limit 10000
done
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
echo "direct path vs relay path, ${delay} ms + ${loss} % loss on each of 4 links (40 ms RTT), $bytes bytes, $rounds rounds:"
echo "  direct $d MB/s, relay $rl MB/s, direct/relay $(awk -v d="$d" -v r="$rl" 'BEGIN { printf "%.2f", d / r }')"
