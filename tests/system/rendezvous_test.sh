#!/usr/bin/env bash
# The hub's rendezvous for direct paths (docs/direct-paths.md), with real processes and real UDP:
#   - an outlet and an inlet learn their public UDP endpoint from the hub (on loopback: 127.0.0.1 and their port);
#   - what an attacker with no ticket sends to the hub's UDP port (made-up requests, garbage, a flood) gets no
#     answer at all, is logged (rate-limited), and members are still answered afterwards;
#   - OCKAM_P2P=off asks nothing; a hub with OCKAM_LISTEN_UDP=off offers no rendezvous, and its members say so;
#   - through a real Linux NAT (network namespaces, ../shared/natlab/natlab.sh; root only): a node behind the NAT
#     learns the NAT's public address, not its own.
. "$(dirname "$0")/portal_lib.sh"

endpoint_line='direct paths: this node.s public UDP endpoint is'

hp=$(free_port); tp=$(free_port); lp=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$tp" --directory "$work" >"$work/http.log" 2>&1 & pids+=($!)
wait_port "$tp"
start_hub hub "$hp"; hub=$last_pid
wait_for_log "$work/hub.log" "rendezvous for direct paths on udp/127\.0\.0\.1:$hp"
start_outlet outlet "$hp" "$tp" web OCKAM_P2P=on; outlet=$last_pid
wait_for_log "$work/outlet.log" "$endpoint_line 127\.0\.0\.1:[0-9]+ \(as hub 127\.0\.0\.1:$hp sees it; local port [0-9]+\)"
# The port the hub saw is the port the outlet's socket has (no NAT on loopback).
line=$(grep -m1 "$endpoint_line" "$work/outlet.log")
seen=$(sed -E 's/.* is 127\.0\.0\.1:([0-9]+) .*/\1/' <<<"$line"); local_port=$(sed -E 's/.*local port ([0-9]+).*/\1/' <<<"$line")
[ "$seen" = "$local_port" ] || fail "the hub saw port $seen, the outlet's socket is on $local_port"

# An attacker without a ticket: requests with made-up tickets, garbage of every size, 2000 datagrams in a burst,
# from 200 source addresses (127.0.0.2-201: spoofed sources cost an attacker nothing).
python3 - "$hp" >"$work/attack.out" <<'PY' || fail "the UDP attack script failed: $(cat "$work/attack.out")"
import os, socket, sys
import select
port = int(sys.argv[1])
sources = []
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((f"127.0.0.{2 + i}", 0))
    sources.append(s)
probes = [b"PRQ1" + os.urandom(60), os.urandom(64), b"PRQ1" + os.urandom(1000), b"", b"x" * 51]
for _ in range(2000):
    probes.append(b"PRQ1" + os.urandom(60))
for n, p in enumerate(probes):
    sources[n % len(sources)].sendto(p, ("127.0.0.1", port))
ready, _, _ = select.select(sources, [], [], 1.0)
if ready:
    data, _ = ready[0].recvfrom(2048)
    print(f"ANSWERED {len(data)} bytes")
    sys.exit(1)
print(f"no answer to {len(probes)} datagrams from {len(sources)} sources")
PY
wait_for_log "$work/hub.log" "rendezvous: dropped a datagram of [0-9]+ bytes from 127\.0\.0\.[0-9]+: does not check under the ticket's key"
dropped=$(grep -c "rendezvous: dropped a datagram" "$work/hub.log" || true)
[ "$dropped" -lt 20 ] || fail "$dropped log lines for 2005 bad datagrams from 200 sources: the refusals are not rate-limited"

# Members are still answered; OCKAM_P2P=off asks nothing.
start_inlet inlet "$hp" "$lp" web OCKAM_P2P=on; inlet=$last_pid
wait_for_log "$work/inlet.log" "$endpoint_line 127\.0\.0\.1:[0-9]+"
lp2=$(free_port)
start_inlet quiet "$hp" "$lp2" web OCKAM_P2P=off; quiet=$last_pid
curl -sf --max-time 10 "http://127.0.0.1:$lp2/" >/dev/null || fail "the OCKAM_P2P=off inlet does not carry streams"
! grep -q "direct paths" "$work/quiet.log" || fail "OCKAM_P2P=off still did: $(grep 'direct paths' "$work/quiet.log")"
curl -sf --max-time 10 "http://127.0.0.1:$lp/" >/dev/null || fail "streams do not go through the relay any more"
stop_agent "$quiet" quiet
stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub

# A hub without a rendezvous: its members say so once and carry on over the relay.
hp2=$(free_port)
start_hub nohub "$hp2" nohub OCKAM_LISTEN_UDP=off; nohub=$last_pid
! grep -q "rendezvous for direct paths" "$work/nohub.log" || fail "OCKAM_LISTEN_UDP=off still serves a rendezvous"
start_outlet lonely "$hp2" "$tp" web2 OCKAM_P2P=on; lonely=$last_pid
wait_for_log "$work/lonely.log" "direct paths: no rendezvous ticket from hub 127\.0\.0\.1:$hp2 after 3 requests" 20
stop_agent "$lonely" lonely
stop_agent "$nohub" nohub
echo "rendezvous on loopback: endpoints learnt, $((2000 + 5)) bad datagrams from 200 sources unanswered ($dropped log lines), OCKAM_P2P=off and OCKAM_LISTEN_UDP=off honoured"

# --- through a real NAT ---------------------------------------------------------------------------------------------
natlab=$(cd "$(dirname "$0")/../../.." && pwd)/shared/natlab/natlab.sh
if [ "$(id -u)" != 0 ] || [ ! -x "$natlab" ] || ! command -v iptables >/dev/null; then
  [ "${CI:-}" = true ] && fail "CI: the NAT part needs root, iptables and $natlab"
  echo "NOTE: the NAT part skipped (needs root, iptables and $natlab)"
  exit 0
fi
"$natlab" up cone >/dev/null
trap '"$natlab" down; cleanup' EXIT
data_hub=$work/data-nat-hub
ip netns exec pub env OCKAM_LISTEN=203.0.113.1:4000 OCKAM_DATA="$data_hub" OCKAM_LOG=info "$portico" \
  >"$work/nat-hub.log" 2>&1 & pids+=($!)
wait_for_log "$work/nat-hub.log" "rendezvous for direct paths on udp/203\.0\.113\.1:4000"
token=$(OCKAM_DATA="$data_hub" "$portico" token --uses 10 role=device 2>/dev/null) || fail "portico token (NAT hub)"
ip netns exec a env OCKAM_HUB=203.0.113.1:4000 OCKAM_OUT=127.0.0.1:9 OCKAM_RELAY=behind-nat OCKAM_ENROLL="$token" \
  OCKAM_DATA="$work/data-nat-a" OCKAM_LOG=info "$portico" >"$work/nat-a.log" 2>&1 & pids+=($!)
wait_for_log "$work/nat-a.log" "$endpoint_line 203\.0\.113\.10:[0-9]+ \(as hub 203\.0\.113\.1:4000 sees it" 20
echo "rendezvous through a NAT: $(grep -m1 -o "$endpoint_line [^ ]*" "$work/nat-a.log" | sed 's/.* is //') seen for 10.0.1.2"
