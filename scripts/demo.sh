#!/usr/bin/env bash
# The demo: a hub, an outlet in front of a small HTTP server, and an inlet, all on this machine. The hub makes
# two enrollment tokens (role=device for the outlet, role=operator for the inlet); each enrolls and gets a credential. A page is fetched through the inlet
# and printed, then the path it took is shown from the three agents' logs:
#   curl -> inlet (127.0.0.1:15080) =[end-to-end secure channel, inside each node's channel to the hub]=>
#   hub (127.0.0.1:14000, relay "demo-device", sees only ciphertext) => outlet -> http.server
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null
portico=$PWD/build/default/agent/portico

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1; }

mkdir -p "$work/site"
cat >"$work/site/index.html" <<'HTML'
<html><body><h1>Hello from behind the NAT</h1><p>Served by python3 http.server on the device, reached through Portico.</p></body></html>
HTML
python3 -m http.server --bind 127.0.0.1 18000 --directory "$work/site" >"$work/http.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18000/ && break; sleep 0.05; done

export OCKAM_LOG=debug
OCKAM_LISTEN=127.0.0.1:14000 OCKAM_DATA="$work/hub" "$portico" >"$work/hub.log" 2>&1 & pids+=($!)
wait_for "$work/hub.log" "hub listening"
# On a real hub: `portico token --uses 100 role=device` with the hub's OCKAM_DATA; the token goes in a fleet variable.
token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 1 role=device)
# The operator's inlet gets its own token: outlets let in only role=operator unless OCKAM_ALLOW says otherwise.
operator_token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 1 role=operator)
echo "== enrollment tokens from the hub: device ${token:0:24}…, operator ${operator_token:0:24}…"
OCKAM_HUB=127.0.0.1:14000 OCKAM_OUT=127.0.0.1:18000 OCKAM_RELAY=demo-device OCKAM_DATA="$work/outlet" \
  OCKAM_ENROLL=$token "$portico" >"$work/outlet.log" 2>&1 & pids+=($!)
wait_for "$work/outlet.log" "outlet ready"
OCKAM_HUB=127.0.0.1:14000 OCKAM_IN=127.0.0.1:15080 OCKAM_FORWARD=demo-device OCKAM_DATA="$work/inlet" \
  OCKAM_ENROLL=$operator_token "$portico" >"$work/inlet.log" 2>&1 & pids+=($!)
wait_for "$work/inlet.log" "member of hub"

echo "== curl http://127.0.0.1:15080/ (the inlet)"
curl -sS --max-time 10 http://127.0.0.1:15080/
sleep 0.3

echo
echo "== the path it took"
show() { echo "-- $1"; grep -E "$2" "$work/$1.log" | sed -E 's/^[0-9T:.-]+ +[a-z]+ +/   /'; }
show outlet 'enrolled|outlet ready'
show hub 'enrolled|relay "demo-device"|link .* up'
show inlet 'enrolled|inlet listening|end-to-end|stream 1 '
show outlet 'stream 1 '
