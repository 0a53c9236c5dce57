#!/usr/bin/env bash
# Nobody without a channel's keys can end it. An attacker connects to the hub like any node and sends, in clear,
# refusals, a forged Close, forged records and hop records and a stray handshake message to the hub's end of the
# outlet's established channel (its address, as the hub logs it). The hub drops them (logging each kind of drop
# a bounded number of times), answers the refusal by asking the outlet under the channel's keys, logs once that
# it ignored the refusal, and keeps the channel: the outlet stays registered and healthy, and streams through
# it go on working.
#   channel_attack_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"
attack="$(cd "$(dirname "$0")" && pwd)/channel_attack.py"
hp=$(free_port); tp=$(free_port); ip=$(free_port)
start_server echo echo-server --port "$tp"
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" target; outlet=$last_pid
start_inlet inlet "$hp" "$ip" target; inlet=$last_pid

echo_once() {
  python3 - "$ip" "$1" <<'PY' || fail "no echo through the inlet for '$1'"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(sys.argv[2].encode() + b"\n")
got = b""
while not got.endswith(b"\n"):
    chunk = s.recv(100)
    if not chunk:
        sys.exit(f"closed after {got!r}")
    got += chunk
assert got == sys.argv[2].encode() + b"\n", got
PY
}
echo_once before

# The last channel the outlet opened (it opens a new one once enrolled).
outlet_id=$(sed -n 's/.*identity \(I[0-9a-f]*\)$/\1/p' "$work/outlet.log" | head -1)
[ -n "$outlet_id" ] || fail "no identity line in the outlet's log"
channel=$(sed -n "s/.*secure channel \(sc-[0-9a-f]\{16\}\) established with $outlet_id .*/\1/p" "$work/hub.log" | tail -1)
[ -n "$channel" ] || fail "the hub did not log its end of the outlet's channel"
outlet_env=(OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$tp OCKAM_RELAY=target OCKAM_DATA="$work/data-outlet")

outlet_lines=$(wc -l <"$work/outlet.log")
python3 "$attack" "$hp" "$channel" attack-done-1 3 || fail "the attacker script failed"
wait_for_log "$work/hub.log" "denied a message for 0#attack-done-1"
wait_for_log "$work/hub.log" "secure channel $channel .*ignored an unauthenticated refusal"
echo_once during
# A second wave, after the first was answered: still ignored, and not logged again.
python3 "$attack" "$hp" "$channel" attack-done-2 3 || fail "the attacker script failed"
wait_for_log "$work/hub.log" "denied a message for 0#attack-done-2"
echo_once after
line=$(env "${outlet_env[@]}" "$portico" health) || fail "the outlet is not healthy after the attack: $line"

ignored=$(grep -c "secure channel $channel .*ignored an unauthenticated refusal" "$work/hub.log" || true)
[ "$ignored" -eq 1 ] || fail "the ignored refusal was logged $ignored times, not once"
! grep -q "secure channel $channel .* closed" "$work/hub.log" || fail "the attacker closed the outlet's channel at the hub"
tail -n +"$((outlet_lines + 1))" "$work/outlet.log" | grep -q "secure channel down" && fail "the outlet's hub channel went down"
drops=$(grep -c "secure channel $channel .*dropped" "$work/hub.log" || true)
# 2 x 3 x 5 drops (the refusals are not drops), logged at the 1st, 2nd, 4th, 8th and 16th.
[ "$drops" -le 5 ] || fail "the hub logged $drops drops for the channel: not rate limited"
[ "$drops" -ge 1 ] || fail "the hub did not log the forged records it dropped"
echo "36 forged messages to the hub's end of the outlet's channel: refusal ignored (logged once), $drops drop lines, streams still echo, outlet healthy"

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "channel attack test passed"
