#!/usr/bin/env bash
# Relay names are durable and pinned; members reach only what the hub serves (issue: the hub's trust boundary).
# A hub, an outlet "dev1" in front of an HTTP server, an inlet, and a hostile member (tests/tools/member_attack)
# with an ordinary role=device credential:
#   - it squats "dev1" every 20 ms across a hub restart: refused every time; the inlet keeps reaching the real outlet
#   - it registers more relay names than OCKAM_RELAY_NAMES_PER_IDENTITY: the excess is refused with a log line
#   - it routes to 1#127.0.0.1:PORT (directly, and through the relay): no connection ever reaches PORT
#   - the route the outlet's answer takes back names only the relay, never the outlet's hub-side channel
#   - it sends forged Enrolled answers to the outlet (to its hub-side channel, through the relay): refused and
#     logged; the outlet's credential is unchanged. A forged credential on disk is discarded at start.
#   - a name released by the operator and taken by another identity: the inlet refuses it, naming both
#     identities; OCKAM_FORWARD_IDENTITY likewise; `portico relay forget` forgets the pin
# Usage: relay_trust_test.sh PORTICO MEMBER_ATTACK
. "$(dirname "$0")/trust_lib.sh"

hp=$(free_port); web=$(free_port); lp=$(free_port); trap_port=$(free_port)
serve_files
start_hub hub "$hp" hub OCKAM_RELAY_NAMES_PER_IDENTITY=3; hub=$last_pid
hub_id=$(identity_of "$work/hub.log")
start_outlet outlet "$hp" "$web" dev1; outlet=$last_pid
outlet_id=$(identity_of "$work/outlet.log")
start_inlet inlet "$hp" "$lp" dev1; inlet=$last_pid
fetch "$lp"
wait_for_log "$work/inlet.log" "relay \"dev1\" pinned to outlet identity $outlet_id"
attack mallory "$hp" "$hub_token" enroll || fail "the attacker could not enroll: $(cat "$work/mallory.out")"
mallory_id=$(sed -n 's/^enrolled as \(I[0-9a-f]*\)$/\1/p' "$work/mallory.out")
[ -f "$work/data-hub/relays" ] || fail "the hub keeps no relay names in its data dir"
grep -q "^dev1 $outlet_id [0-9]*$" "$work/data-hub/relays" || fail "the stored relays lack dev1: $(cat "$work/data-hub/relays")"

# 1. The squatter tries from before the hub is back until well after the outlet re-registered.
stop_agent "$hub" hub
"$attack_bin" "127.0.0.1:$hp" "$work/data-mallory" - squat dev1 8 >"$work/squat.out" 2>&1 & squat=$!; pids+=($squat)
start_hub hub2 "$hp" hub OCKAM_RELAY_NAMES_PER_IDENTITY=3; hub=$last_pid
wait_for_log "$work/hub2.log" "relay \"dev1\" re-registered .* \(owner $outlet_id\)" 15
set +e; wait "$squat"; rc=$?; set -e; forget_pid "$squat"
[ "$rc" -eq 3 ] || fail "the squatter got dev1 after the hub restarted (exit $rc): $(cat "$work/squat.out")"
echo "squatter across the hub restart: $(grep '^squat: ' "$work/squat.out")"
grep -q "refused dev1: the name belongs to another identity" "$work/squat.out" || fail "the squatter was not refused: $(cat "$work/squat.out")"
grep -q "refused relay \"dev1\" to $mallory_id: the name belongs to $outlet_id" "$work/hub2.log" ||
  fail "the hub did not log the squatter's refusal"
fetch "$lp"
! grep -q "pinned to outlet identity $mallory_id" "$work/inlet.log" || fail "the inlet pinned the squatter"

# 2. Relay names per identity: 3 here.
if attack mallory "$hp" - register extra 5; then fail "one identity registered 5 relay names with a limit of 3"; fi
[ "$(grep -c '^registered extra-' "$work/mallory.out")" -eq 3 ] || fail "not exactly 3 names registered: $(cat "$work/mallory.out")"
grep -q "refused extra-3: this identity holds as many relay names as the hub allows" "$work/mallory.out" ||
  fail "the 4th name was not refused for the limit"
wait_for_log "$work/hub2.log" "refused relay \"extra-3\" to $mallory_id: it already holds 3 relay names \(OCKAM_RELAY_NAMES_PER_IDENTITY\)"
fetch "$lp"

# 3. The hub dials nothing a member names, directly or through a relay (the outlet refuses it too).
python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $trap_port)); s.listen(64)
print('listening', flush=True)
while True:
    c, peer = s.accept(); print('connection from', peer, flush=True); c.close()
" >"$work/trap.log" 2>&1 & pids+=($!)
wait_for_log "$work/trap.log" listening
attack mallory "$hp" - send "1#127.0.0.1:$trap_port" 64 || fail "member_attack send failed"
attack mallory "$hp" - send "forward_to_dev1,1#127.0.0.1:$trap_port" 64 || fail "member_attack send failed"
wait_for_log "$work/hub2.log" "denied a message for 1#127.0.0.1:$trap_port from peer $mallory_id: members reach only the hub's services"
wait_for_log "$work/hub2.log" "relay \"dev1\": refused a message from $mallory_id: a relay leads only to its node's secure channels"
! grep -q "connection from" "$work/trap.log" || fail "a member made the hub connect to 127.0.0.1:$trap_port"
! grep -q "cannot connect to 127.0.0.1:$trap_port\|link .* to 127.0.0.1:$trap_port" "$work/hub2.log" || fail "the hub dialled a member's target"

# 4. What a member sees of the route back from an outlet: the relay, not the outlet's hub-side channel.
outlet_channel=$(hub_channel_of "$work/hub2.log" "$outlet_id")
inlet_channel=$(hub_channel_of "$work/hub2.log" "$(identity_of "$work/inlet.log")")
[ -n "$outlet_channel" ] && [ -n "$inlet_channel" ] || fail "no hub channels for the outlet and the inlet in the hub's log"
attack mallory "$hp" - peek dev1 || fail "no answer came back from the outlet: $(cat "$work/mallory.out")"
route=$(grep '^route: ' "$work/mallory.out" | tail -1)
echo "$route" | grep -q "forward_to_dev1" || fail "the outlet's answer did not come back by the relay: $route"
! echo "$route" | grep -q "$outlet_channel" || fail "the outlet's hub-side channel leaked to a member: $route"
! grep -q "$inlet_channel" "$work/outlet.log" || fail "the inlet's hub-side channel leaked to the outlet"

# 5. Forged Enrolled answers to the outlet; then a forged credential on disk.
cp "$work/data-outlet/credential" "$work/credential.before"
refused_before=$(grep -c "relay \"dev1\": refused a message from $mallory_id: a relay leads only" "$work/hub2.log")
attack mallory "$hp" - forge-enrolled "$outlet_channel-enc,enrollment" "$outlet_id" || fail "member_attack forge failed"
attack mallory "$hp" - forge-enrolled "forward_to_dev1,enrollment" "$outlet_id" || fail "member_attack forge failed"
wait_for_log "$work/hub2.log" "denied a message for 0#$outlet_channel-enc from peer $mallory_id: members reach only the hub's services"
for ((i = 0; i < 100; i++)); do
  (($(grep -c "relay \"dev1\": refused a message from $mallory_id: a relay leads only" "$work/hub2.log") > refused_before)) && break
  sleep 0.05
done
(($(grep -c "relay \"dev1\": refused a message from $mallory_id: a relay leads only" "$work/hub2.log") > refused_before)) ||
  fail "the relay did not refuse a forged Enrolled for the outlet's enrollment worker"
cmp -s "$work/credential.before" "$work/data-outlet/credential" || fail "the outlet stored a forged credential"
fetch "$lp"
stop_agent "$outlet" outlet
attack mallory "$hp" - forge-file "$work/data-outlet/credential" "$outlet_id" || fail "member_attack forge-file failed"
start_outlet outlet-2 "$hp" "$web" dev1 OCKAM_DATA="$work/data-outlet"; outlet=$last_pid
grep -q "the stored credential does not verify against hub $hub_id's key" "$work/outlet-2.log" ||
  fail "the outlet did not reject the forged credential on disk"
grep -q "enrolled with hub $hub_id" "$work/outlet-2.log" || fail "the outlet did not enroll again"
fetch "$lp"

# 6. A released name taken by another identity: the inlet refuses it, naming both.
OCKAM_DATA="$work/data-hub" "$portico" relay release dev1 2>"$work/release.out" || fail "portico relay release failed"
grep -q "the running hub released relay \"dev1\"" "$work/release.out" || fail "the running hub did not take the release: $(cat "$work/release.out")"
attack trudy "$hp" "$hub_token" register dev1 || fail "a new identity could not take the released name: $(cat "$work/trudy.out")"
trudy_id=$(sed -n 's/^enrolled as \(I[0-9a-f]*\)$/\1/p' "$work/trudy.out")
stop_agent "$inlet" inlet
start_inlet inlet-2 "$hp" "$lp" dev1 OCKAM_DATA="$work/data-inlet"; inlet=$last_pid
if curl -sf --max-time 10 -o /dev/null "http://127.0.0.1:$lp/secret.txt"; then fail "the inlet reached a new owner of dev1"; fi
wait_for_log "$work/inlet-2.log" "relay \"dev1\": the hub says its owner is $trudy_id, but this inlet pinned $outlet_id: refusing"
fip=$(free_port)
start_inlet pinned "$hp" "$fip" dev1 OCKAM_FORWARD_IDENTITY="$outlet_id"; pinned=$last_pid
if curl -sf --max-time 10 -o /dev/null "http://127.0.0.1:$fip/secret.txt"; then fail "OCKAM_FORWARD_IDENTITY let another owner through"; fi
wait_for_log "$work/pinned.log" "relay \"dev1\" is owned by $trudy_id, not by $outlet_id \(OCKAM_FORWARD_IDENTITY\)"
# The operator gives the name back to the device; the pinned inlets reach it again.
OCKAM_DATA="$work/data-hub" "$portico" relay release dev1 2>"$work/release.out" || fail "portico relay release failed"
stop_agent "$outlet" outlet-2
start_outlet outlet-3 "$hp" "$web" dev1 OCKAM_DATA="$work/data-outlet"; outlet=$last_pid
fetch "$lp"
fetch "$fip"
OCKAM_DATA="$work/data-inlet" "$portico" relay forget dev1 2>"$work/forget.out" || fail "portico relay forget failed"
grep -q "forgot the identity pinned for relay \"dev1\"" "$work/forget.out" || fail "relay forget: $(cat "$work/forget.out")"
[ ! -e "$work/data-inlet/relay-pin-dev1" ] || fail "the pin file is still there"

stop_agent "$pinned" pinned
stop_agent "$inlet" inlet-2
stop_agent "$outlet" outlet-3
stop_agent "$hub" hub2
echo "PASS: relay names survive a hub restart and are pinned; members reach only the hub's services"
