#!/usr/bin/env bash
# Default deny with real processes (issue: secure channels). A hub, an enrolled outlet in front of an HTTP server
# whose file holds a marker, and:
#   - an operator inlet (role=operator) gets the file; a tap on every byte to and from the hub never sees the
#     marker, nor the relay name, in clear
#   - a node without a credential cannot register a relay, cannot route through the hub, cannot reach the outlet
#   - an enrolled inlet without the attribute the outlet requires (OCKAM_ALLOW) is refused by the outlet
#   - an enrolled outlet cannot take another identity's relay name
#   - a node that pins another hub identity refuses the hub
#   - a credential that expired is refused by the hub; a node that keeps running refreshes in time
. "$(dirname "$0")/portal_lib.sh"

hp=$(free_port); tap_port=$(free_port); web=$(free_port); lp=$(free_port)
marker="PORTICO-MARKER-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir "$work/www"
{ head -c 200000 /dev/urandom | base64; echo "$marker"; head -c 200000 /dev/urandom | base64; } >"$work/www/secret.txt"
python3 -m http.server --bind 127.0.0.1 "$web" --directory "$work/www" >"$work/http.log" 2>&1 & pids+=($!)
wait_port "$web"

# The hub's credentials last 10 s here, so expiry and refresh happen within the test.
start_hub hub "$hp" hub OCKAM_CREDENTIAL_TTL=10s; hub=$last_pid
hub_id=$(sed -n 's/.* identity \(I[0-9a-f]\{64\}\)$/\1/p' "$work/hub.log" | head -1)
device_token=$hub_token
operator_token=$(OCKAM_DATA="$work/data-hub" "$portico" token --uses 10 role=operator 2>/dev/null)
python3 "$(dirname "$0")/tcp_tap.py" --listen "$tap_port" --to "$hp" --out "$work/capture" >"$work/tap.log" 2>&1 &
pids+=($!)
wait_for_log "$work/tap.log" tapping

# The outlet and the operator's inlet both reach the hub through the tap.
start_outlet outlet "$tap_port" "$web" vault-db OCKAM_ALLOW=role=operator; outlet=$last_pid
inlet_token=$operator_token start_inlet operator "$tap_port" "$lp" vault-db; operator=$last_pid
curl -sf --max-time 20 -o "$work/got" "http://127.0.0.1:$lp/secret.txt" || fail "curl through the operator's inlet failed"
cmp -s "$work/got" "$work/www/secret.txt" || fail "the file through the portal differs"
grep -q "$marker" "$work/got" || fail "the marker did not arrive"
captured=$(stat -c %s "$work/capture")
[ "$captured" -gt 540000 ] || fail "the tap saw only $captured bytes of a 540 kB transfer"
! grep -qa "$marker" "$work/capture" || fail "the marker crossed the hub's links in clear"
! grep -qa "vault-db" "$work/capture" || fail "the relay name crossed the hub's links in clear"
! grep -qa "role=operator" "$work/capture" || fail "credential attributes crossed the hub's links in clear"

# A node without a credential (it trusts the hub, but was never enrolled).
OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$web OCKAM_RELAY=intruder OCKAM_HUB_IDENTITY=$hub_id \
  OCKAM_DATA="$work/data-stranger" "$portico" >"$work/stranger-outlet.log" 2>&1 & stranger_outlet=$!; pids+=($!)
wait_for_log "$work/stranger-outlet.log" "not a member of hub $hub_id"
stranger_id=$(sed -n 's/.* identity \(I[0-9a-f]\{64\}\)$/\1/p' "$work/stranger-outlet.log" | head -1)
wait_for_log "$work/hub.log" "denied a message for 0#relay from peer $stranger_id: not a member"
sleep 1
! grep -q 'relay "intruder"' "$work/hub.log" || fail "the hub registered a relay for a node without a credential"
stop_agent "$stranger_outlet" "outlet without a credential"

slp=$(free_port)
OCKAM_HUB=127.0.0.1:$hp OCKAM_IN=127.0.0.1:$slp OCKAM_FORWARD=vault-db OCKAM_HUB_IDENTITY=$hub_id \
  OCKAM_DATA="$work/data-stranger-inlet" "$portico" >"$work/stranger-inlet.log" 2>&1 & stranger_inlet=$!; pids+=($!)
wait_for_log "$work/stranger-inlet.log" "secure channel up"
if curl -sf --max-time 15 -o /dev/null "http://127.0.0.1:$slp/secret.txt"; then
  fail "a node without a credential reached the outlet"
fi
wait_for_log "$work/stranger-inlet.log" "closed: no route to the outlet: the hub did not say who owns relay"
wait_for_log "$work/hub.log" "denied a message for 0#relay from peer I[0-9a-f]+: not a member"
stop_agent "$stranger_inlet" "inlet without a credential"

# An enrolled device inlet: a member of the hub, but the outlet wants role=operator.
dlp=$(free_port)
inlet_token=$device_token start_inlet device "$hp" "$dlp" vault-db; device=$last_pid
if curl -sf --max-time 15 -o /dev/null "http://127.0.0.1:$dlp/secret.txt"; then
  fail "an inlet without role=operator reached the outlet"
fi
wait_for_log "$work/outlet.log" "peer refused by policy: the peer.s credential lacks a required attribute"
wait_for_log "$work/device.log" "refused by the peer"
stop_agent "$device" "device inlet"

# Another enrolled identity asking for the outlet's relay name.
OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$web OCKAM_RELAY=vault-db OCKAM_ENROLL=$device_token \
  OCKAM_DATA="$work/data-thief" "$portico" >"$work/thief.log" 2>&1 & thief=$!; pids+=($!)
wait_for_log "$work/thief.log" "refused relay \"vault-db\": the name belongs to another identity"
curl -sf --max-time 20 -o "$work/got2" "http://127.0.0.1:$lp/secret.txt" && cmp -s "$work/got2" "$work/www/secret.txt" ||
  fail "after the takeover attempt the operator no longer reaches the real outlet"
stop_agent "$thief" "outlet that tried to take the name"

# A node pinned to another hub identity refuses this hub.
OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$web OCKAM_RELAY=pinned OCKAM_HUB_IDENTITY=I$(printf '7%.0s' {1..64}) \
  OCKAM_DATA="$work/data-pinned" "$portico" >"$work/pinned.log" 2>&1 & pinned=$!; pids+=($!)
wait_for_log "$work/pinned.log" "error.*no secure channel: peer refused by policy: the peer is not the identity this node expects"
stop_agent "$pinned" "outlet pinned to another hub"

# Expiry: enroll, stop at once, wait past the 10 s lifetime, start again without a token: the hub refuses.
# Meanwhile the outlet and the operator's inlet keep running across their own credentials' expiry: they refresh.
enrolled_at=$(now)
OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$web OCKAM_RELAY=lapsed OCKAM_ENROLL=$device_token \
  OCKAM_DATA="$work/data-lapsed" "$portico" >"$work/lapsed.log" 2>&1 & lapsed=$!; pids+=($!)
wait_for_log "$work/lapsed.log" "outlet ready"
stop_agent "$lapsed" "outlet enrolled for the expiry check"
sleep "$(awk -v s="$enrolled_at" -v e="$(now)" 'BEGIN { r = 11 - (e - s); print (r > 0 ? r : 0) }')"
OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$web OCKAM_RELAY=lapsed OCKAM_DATA="$work/data-lapsed" \
  "$portico" >"$work/lapsed2.log" 2>&1 & lapsed=$!; pids+=($!)
wait_for_log "$work/lapsed2.log" "no secure channel: refused by the peer: .*expired"
wait_for_log "$work/hub.log" "peer refused by policy: .*expired"
stop_agent "$lapsed" "outlet with an expired credential"

wait_for_log "$work/outlet.log" "credential refreshed with hub"
wait_for_log "$work/hub.log" "presented a fresh credential"
curl -sf --max-time 20 -o "$work/got3" "http://127.0.0.1:$lp/secret.txt" && cmp -s "$work/got3" "$work/www/secret.txt" ||
  fail "after the credentials' first lifetime the operator no longer reaches the outlet"
! grep -q "credential expired; refresh" "$work/hub.log" || fail "a running member lost its membership to expiry"
# A new inlet, after the outlet's first credential expired: the outlet presents its refreshed one.
elp=$(free_port)
inlet_token=$operator_token start_inlet late "$hp" "$elp" vault-db; late=$last_pid
curl -sf --max-time 20 -o "$work/got4" "http://127.0.0.1:$elp/secret.txt" && cmp -s "$work/got4" "$work/www/secret.txt" ||
  fail "an inlet that came after the outlet's refresh cannot reach it"
stop_agent "$late" "late operator inlet"

stop_agent "$operator" "operator inlet"
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "agent security test passed: marker and relay name absent from $captured captured bytes; no credential: no relay," \
  "no routing, no outlet; wrong attribute, taken name, wrong hub identity and expired credential refused; refresh kept" \
  "the portal up past the first 10 s credential, and a new inlet got through after it"
