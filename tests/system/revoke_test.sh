#!/usr/bin/env bash
# Revocation (issue: the hub's trust boundary). A hub, an outlet in front of an HTTP server, an inlet "stolen"
# whose identity the operator revokes, an inlet "other" that stays a member, and a hostile member
# (tests/tools/member_attack):
#   - `portico revoke` on a running hub: the stolen inlet's open stream is cut within seconds, the outlet closes
#     its end-to-end channel from that identity (told over its hub channel), new streams fail, the attacker's
#     credential is useless; the other inlet is still served
#   - the revocation survives a hub restart; the revoked identity cannot enroll again with a fresh token
#   - `portico revoke --list` names both
# Usage: revoke_test.sh PORTICO MEMBER_ATTACK
. "$(dirname "$0")/trust_lib.sh"

hp=$(free_port); web=$(free_port); sp=$(free_port); op=$(free_port)
serve_files
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$web" dev1; outlet=$last_pid
start_inlet stolen "$hp" "$sp" dev1; stolen=$last_pid
start_inlet other "$hp" "$op" dev1; other=$last_pid
stolen_id=$(identity_of "$work/stolen.log")
fetch "$sp"
fetch "$op"
attack mallory "$hp" "$hub_token" register mallory-relay || fail "the attacker could not register: $(cat "$work/mallory.out")"
mallory_id=$(sed -n 's/^enrolled as \(I[0-9a-f]*\)$/\1/p' "$work/mallory.out")

# A stream through the stolen inlet that stays open (the HTTP server waits for a request) until something closes it.
python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $sp)); s.settimeout(30)
print('open', flush=True)
start = time.time()
try:
    data = s.recv(1)
except OSError:
    pass
print('closed after %.2f s' % (time.time() - start), flush=True)
" >"$work/held.log" 2>&1 & held=$!; pids+=($held)
wait_for_log "$work/held.log" "^open$"
# The outlet has connected the stream to the HTTP server (a connection to $web that stays).
for ((i = 0; i < 200; i++)); do
  [ -n "$(ss -Htn state established "( dport = :$web )" 2>/dev/null)" ] && break
  sleep 0.05
done
[ -n "$(ss -Htn state established "( dport = :$web )")" ] || fail "the held stream never reached the HTTP server"

OCKAM_DATA="$work/data-hub" "$portico" revoke "$stolen_id" 2>"$work/revoke.out" || fail "portico revoke failed: $(cat "$work/revoke.out")"
revoked_at=$(date +%s.%N)
wait_for_log "$work/hub.log" "revoked $stolen_id: closed [1-9][0-9]* channels" 5
wait_for_log "$work/outlet.log" "the hub revoked $stolen_id: closing every channel with it" 5
wait_for_log "$work/held.log" "^closed after" 5
elapsed=$(awk -v a="$revoked_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "stream through the revoked inlet closed $elapsed s after portico revoke"
if curl -sf --max-time 8 -o /dev/null "http://127.0.0.1:$sp/secret.txt"; then fail "the revoked inlet still reaches the outlet"; fi
wait_for_log "$work/hub.log" "denied a message for 0#[a-z_]+ from peer $stolen_id: this identity is revoked"
fetch "$op"

# The attacker's credential after its revocation: nothing answers, its relay name is gone.
OCKAM_DATA="$work/data-hub" "$portico" revoke "$mallory_id" 2>>"$work/revoke.out" || fail "portico revoke failed"
wait_for_log "$work/hub.log" "revoked $mallory_id: closed [0-9]+ channels, freed 1 relay names" 5
if attack mallory "$hp" - register mallory-relay; then fail "a revoked member still registers relays"; fi
wait_for_log "$work/hub.log" "denied a message for 0#relay from peer $mallory_id: this identity is revoked"
! grep -q "^mallory-relay " "$work/data-hub/relays" || fail "the revoked member's relay name is still stored"

OCKAM_DATA="$work/data-hub" "$portico" revoke --list >"$work/list.out" 2>/dev/null || fail "portico revoke --list failed"
grep -q "^$stolen_id revoked " "$work/list.out" && grep -q "^$mallory_id revoked " "$work/list.out" ||
  fail "revoke --list: $(cat "$work/list.out")"

# After a hub restart: still revoked; a fresh token does not let the same identity back in.
stop_agent "$hub" hub
start_hub hub2 "$hp" hub; hub=$last_pid
wait_for_log "$work/hub2.log" "2 revoked identities"
fetch "$op"
if curl -sf --max-time 8 -o /dev/null "http://127.0.0.1:$sp/secret.txt"; then fail "the revoked inlet is back after a hub restart"; fi
wait_for_log "$work/hub2.log" "denied a message for 0#[a-z_]+ from peer $stolen_id: this identity is revoked"
stop_agent "$stolen" stolen
rm "$work/data-stolen/credential"  # so that it enrolls again with the fresh token
env OCKAM_HUB=127.0.0.1:$hp OCKAM_IN=127.0.0.1:$sp OCKAM_FORWARD=dev1 OCKAM_LOG=info OCKAM_DATA="$work/data-stolen" \
  OCKAM_ENROLL="$hub_token" "$portico" >"$work/stolen-2.log" 2>&1 & stolen=$!; pids+=($stolen)
wait_for_log "$work/hub2.log" "denied a message for 0#enroll from peer $stolen_id: this identity is revoked" 15
if attack mallory "$hp" "$hub_token" enroll; then fail "a revoked identity enrolled again"; fi
grep -q "^enrollment refused" "$work/mallory.out" || fail "the revoked attacker's enrollment: $(tail -2 "$work/mallory.out")"
fetch "$op"

stop_agent "$stolen" stolen-2
stop_agent "$other" other
stop_agent "$outlet" outlet
stop_agent "$hub" hub2
echo "PASS: a revoked identity is cut off within seconds, stays revoked across a restart, and cannot enroll again"
