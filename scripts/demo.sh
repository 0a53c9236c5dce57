#!/usr/bin/env bash
# The demo: two nodes on loopback and a sender. The message goes sender -> n1 -> n2's echo worker over two TCP
# hops, and the reply comes back the same way. Each node prints what it saw.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null
portico=build/default/agent/portico

logs=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$logs"; }
trap cleanup EXIT

OCKAM_LISTEN=127.0.0.1:14100 OCKAM_LOG=debug "$portico" >"$logs/n1.log" 2>&1 & pids+=($!)
OCKAM_LISTEN=127.0.0.1:14200 OCKAM_LOG=debug "$portico" >"$logs/n2.log" 2>&1 & pids+=($!)
sleep 0.5

route="1#127.0.0.1:14100,1#127.0.0.1:14200,echo"
echo "sender: portico send $route 'hello from the demo'"
"$portico" send "$route" "hello from the demo"
sleep 0.2
echo; echo "n1 (127.0.0.1:14100) saw:"; sed 's/^/  /' "$logs/n1.log"
echo; echo "n2 (127.0.0.1:14200) saw:"; sed 's/^/  /' "$logs/n2.log"
