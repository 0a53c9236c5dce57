#!/usr/bin/env bash
# Floods and limits with real processes and an attacker speaking the protocol (handshake_flood.py):
#   - while one source sends 1,000 first handshake messages a second to the hub, a restarted outlet rejoins
#     within 2 s, the portal keeps working, and the hub's log grows by a bounded number of bytes
#   - connections per source address and in total (OCKAM_MAX_CONNECTIONS_PER_ADDRESS, OCKAM_MAX_CONNECTIONS):
#     the excess is closed at once with its log line, and the nodes already there are still served
#   - a hub, and an inlet, out of file descriptors (ulimit -n) pause their accept loops instead of spinning, and
#     recover
#   - streams per peer at an outlet (OCKAM_MAX_STREAMS_PER_PEER): one inlet's excess Opens connect nothing,
#     another inlet is still served
#   - defaults: data dir 0700 and status socket 0600 under umask 000; idle metrics connections do not keep a
#     scrape out; an outlet without OCKAM_ALLOW refuses a role=device inlet
# Usage: agent_flood_test.sh PORTICO [FLOOD_ATTACK]
. "$(dirname "$0")/portal_lib.sh"
flood="$(cd "$(dirname "$0")" && pwd)/handshake_flood.py"
attack_tool=${2:-}  # tests/tools/flood_attack (a hostile member); its part is skipped without it

hp=$(free_port); web=$(free_port); lp=$(free_port); mp=$(free_port)
mkdir "$work/www"; head -c 100000 /dev/urandom | base64 >"$work/www/page.txt"
python3 -m http.server --bind 127.0.0.1 "$web" --directory "$work/www" >"$work/http.log" 2>&1 & pids+=($!)
wait_port "$web"
fetch() { curl -sf --max-time "${2:-10}" -o "$work/got" "http://127.0.0.1:$1/page.txt" && cmp -s "$work/got" "$work/www/page.txt"; }

umask_was=$(umask)
umask 000; start_hub hub "$hp" hub OCKAM_METRICS=127.0.0.1:$mp; hub=$last_pid; umask "$umask_was"
start_outlet outlet "$hp" "$web" site; outlet=$last_pid
start_inlet inlet "$hp" "$lp" site; inlet=$last_pid
fetch "$lp" || fail "no page through the portal before the flood"

# Defaults: the hub ran under umask 000.
[ "$(stat -c %a "$work/data-hub")" = 700 ] || fail "data dir is mode $(stat -c %a "$work/data-hub") under umask 000, not 700"
sock=$(ls "$work"/data-hub/status-*.sock)
[ "$(stat -c %a "$sock")" = 600 ] || fail "status socket is mode $(stat -c %a "$sock") under umask 000, not 600"
OCKAM_LISTEN=127.0.0.1:$hp OCKAM_DATA="$work/data-hub" "$portico" health >/dev/null || fail "portico health refused"

# 1. The handshake flood: 1,000 first messages a second from one source for 10 s.
# One link, then (below) every link one other address may open.
python3 "$flood" handshake --port "$hp" --rate 1000 --seconds 10 >"$work/flood.log" 2>&1 & flooder=$!; pids+=($flooder)
wait_for_log "$work/hub.log" "dropped a first handshake message from tcp-in-[0-9a-f]+: "
log_before=$(stat -c %s "$work/hub.log")
stop_agent "$outlet" outlet
t0=$(now)
# A fresh log file (the old one still says "outlet ready"), the same data dir: the same identity and relay name.
start_outlet outlet-again "$hp" "$web" site OCKAM_DATA="$work/data-outlet"; outlet=$last_pid
rejoin=$(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
awk -v r="$rejoin" 'BEGIN { exit !(r < 2.0) }' || fail "the outlet took ${rejoin}s to rejoin during the flood (limit 2 s)"
fetch "$lp" 15 || fail "no page through the portal during the flood"
wait "$flooder"; forget_pid "$flooder"
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$work/flood.log")
[ "${sent:-0}" -ge 8000 ] || fail "the flooder sent only ${sent:-0} messages: $(cat "$work/flood.log")"
grown=$(( $(stat -c %s "$work/hub.log") - log_before ))
[ "$grown" -lt 65536 ] || fail "the hub's log grew by $grown bytes during the flood"
grep -q "suppressed [0-9]* similar" "$work/hub.log" || fail "no 'suppressed N similar' summary in the hub's log"
echo "flood: $(cat "$work/flood.log"); outlet rejoined in ${rejoin}s; hub log grew by $grown bytes"
python3 "$flood" handshake --port "$hp" --rate 1000 --seconds 8 --connections 16 --source 127.0.0.6 \
  >"$work/flood16.log" 2>&1 & flooder=$!; pids+=($flooder)
wait_for_log "$work/hub.log" "dropped a first handshake message from tcp-in-[0-9a-f]+: .*\(6[0-9] pending in all"
stop_agent "$outlet" outlet
t0=$(now)
start_outlet outlet-third "$hp" "$web" site OCKAM_DATA="$work/data-outlet"; outlet=$last_pid
rejoin16=$(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
awk -v r="$rejoin16" 'BEGIN { exit !(r < 2.0) }' || fail "the outlet took ${rejoin16}s to rejoin while 16 links flooded"
fetch "$lp" 15 || fail "no page through the portal while 16 links flooded"
wait "$flooder"; forget_pid "$flooder"
echo "flood over 16 links from one address: $(cat "$work/flood16.log"); outlet rejoined in ${rejoin16}s"

# 2. Idle metrics connections do not keep a scrape out.
python3 - "$mp" >"$work/idle.log" 2>&1 <<'PY' & idle=$!; pids+=($idle)
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(12)]
print("holding", len(held), flush=True)
time.sleep(20)
PY
wait_for_log "$work/idle.log" "holding 12"
curl -sf --max-time 4 "http://127.0.0.1:$mp/metrics" | grep -q '^portico_info' ||
  fail "a scrape failed while 12 idle connections were open to the metrics port"
kill "$idle"; wait "$idle" 2>/dev/null || true; forget_pid "$idle"

# 3. Streams per peer at an outlet; the default OCKAM_ALLOW (role=operator) refuses a device.
cp=$(free_port); c2p=$(free_port); dp=$(free_port)
umask 000; start_outlet capped "$hp" "$web" capped OCKAM_MAX_STREAMS_PER_PEER=3; capped=$last_pid; umask "$umask_was"
[ "$(stat -c %a "$work/data-capped")" = 700 ] || fail "the outlet's data dir is not 0700 under umask 000"
grep -q 'inlets need role=operator (the default' "$work/capped.log" || fail "the outlet does not say its default OCKAM_ALLOW"
start_inlet greedy "$hp" "$cp" capped; greedy=$last_pid
start_inlet fair "$hp" "$c2p" capped; fair=$last_pid
python3 - "$cp" >"$work/greedy-clients.log" 2>&1 <<'PY' & holders=$!; pids+=($holders)
import socket, sys, time
held = []
for _ in range(10):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /page.txt HTTP/1.1\r\nHost: x\r\n")  # never finishes its request: the stream stays open
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(30)
PY
wait_for_log "$work/greedy-clients.log" "holding 10"
wait_for_log "$work/capped.log" "outlet: refused a stream from I[0-9a-f]{64}: it has 3 streams open, OCKAM_MAX_STREAMS_PER_PEER allows 3"
to_target=$(ss -Htn state established "( dport = :$web )" | wc -l)
[ "$to_target" -le 3 ] || fail "the outlet opened $to_target connections to its target for one peer (limit 3)"
fetch "$c2p" || fail "another inlet was not served while one peer was at its stream limit"
inlet_token=$hub_token start_inlet device "$hp" "$dp" capped; device=$last_pid
if fetch "$dp" 8; then fail "a role=device inlet reached an outlet without OCKAM_ALLOW"; fi
wait_for_log "$work/capped.log" "peer refused by policy: the peer.s credential lacks a required attribute"
kill "$holders"; wait "$holders" 2>/dev/null || true; forget_pid "$holders"
stop_agent "$device" "device inlet"

# 4. A member the outlet refuses (the device above, with its stored credential) floods the outlet's listener
#    through the hub with first handshake messages; a new operator still gets in within 2 s, the one already
#    there is still served, and the outlet's log grows by a bounded amount.
if [ -n "$attack_tool" ]; then
  "$attack_tool" "127.0.0.1:$hp" "$work/data-device" capped 1000 8 >"$work/member-flood.log" 2>&1 & member=$!
  pids+=($member)
  wait_for_log "$work/member-flood.log" "hub channel up"
  wait_for_log "$work/capped.log" "dropped a first handshake message from sc-[0-9a-f]+-enc,(sc-[0-9a-f]+-enc|reply-[0-9a-f]+): "
  outlet_log_before=$(stat -c %s "$work/capped.log")
  np=$(free_port)
  start_inlet newcomer "$hp" "$np" capped; newcomer=$last_pid
  t0=$(now)
  fetch "$np" 10 || fail "a new operator inlet was not served during the member's handshake flood"
  joined=$(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
  awk -v r="$joined" 'BEGIN { exit !(r < 2.0) }' || fail "a new operator took ${joined}s to reach the outlet during the flood"
  fetch "$c2p" || fail "the inlet already there was not served during the member's handshake flood"
  wait "$member"; forget_pid "$member"
  member_sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$work/member-flood.log")
  [ "${member_sent:-0}" -ge 4000 ] || fail "the member sent only ${member_sent:-0} messages: $(cat "$work/member-flood.log")"
  outlet_grown=$(( $(stat -c %s "$work/capped.log") - outlet_log_before ))
  [ "$outlet_grown" -lt 65536 ] || fail "the outlet's log grew by $outlet_grown bytes during the member's flood"
  echo "member flood: $member_sent first messages; a new operator reached the outlet in ${joined}s; outlet log +$outlet_grown bytes"
  stop_agent "$newcomer" "newcomer inlet"
fi
for p in "$fair" "$greedy" "$capped" "$inlet" "$outlet"; do stop_agent "$p" "agent $p"; done
stop_agent "$hub" hub

# 5. Connections per address and in total.
h2=$(free_port); l2=$(free_port)
start_hub hub2 "$h2" hub2 OCKAM_MAX_CONNECTIONS=10 OCKAM_MAX_CONNECTIONS_PER_ADDRESS=4; hub2=$last_pid
start_outlet outlet2 "$h2" "$web" site2; outlet2=$last_pid
start_inlet inlet2 "$h2" "$l2" site2; inlet2=$last_pid
hold() {  # hold NAME SOURCE COUNT
  python3 "$flood" connections --port "$h2" --source "$2" --count "$3" --hold 30 >"$work/$1.log" 2>&1 & pids+=($!)
  wait_for_log "$work/$1.log" "closed at once"
}
hold crowd2 127.0.0.2 20
grep -q "closed at once: 16; kept: 4" "$work/crowd2.log" || fail "per address: $(cat "$work/crowd2.log")"
wait_for_log "$work/hub2.log" "closed a new connection from 127\.0\.0\.2: this address has as many connections as OCKAM_MAX_CONNECTIONS_PER_ADDRESS allows"
hold crowd3 127.0.0.3 2
grep -q "closed at once: 0; kept: 2" "$work/crowd3.log" || fail "per address (second source): $(cat "$work/crowd3.log")"
hold crowd4 127.0.0.4 4
grep -q "closed at once: 2; kept: 2" "$work/crowd4.log" || fail "in total: $(cat "$work/crowd4.log")"
wait_for_log "$work/hub2.log" "closed a new connection from 127\.0\.0\.4: the node has as many connections as OCKAM_MAX_CONNECTIONS allows"
fetch "$l2" || fail "the nodes already connected were not served with the hub at its connection limits"
refusals=$(grep -c "closed a new connection from" "$work/hub2.log")
[ "$refusals" -le 12 ] || fail "$refusals log lines for 18 refused connections: not rate-limited"
stop_agent "$inlet2" inlet2; stop_agent "$outlet2" outlet2; stop_agent "$hub2" hub2

# 6. Out of file descriptors: the accept loop pauses instead of spinning.
# Under the sanitizers this part is left out: with 40 descriptors UBSan reports a member call through an invalid
# vptr in asio's cancellation_signal (asio/impl/cancellation_signal.ipp:43) and stops the hub; under study. The
# default preset runs it.
if sanitized; then
  echo "out-of-descriptors part skipped under the sanitizers (see the comment above)"
  ticks=- inlet_ticks=- hz=- accept_lines=-
else
  h3=$(free_port)
  real_portico=$portico; portico="$work/portico-ulimited"
  printf '#!/bin/sh\nulimit -n 40\nexec "%s" "$@"\n' "$real_portico" >"$portico"; chmod +x "$portico"
  # (per-address limit raised, so that the descriptors run out first)
  start_hub hub3 "$h3" hub3 OCKAM_MAX_CONNECTIONS_PER_ADDRESS=1000; hub3=$last_pid; portico=$real_portico
  python3 "$flood" connections --port "$h3" --source 127.0.0.5 --count 80 --hold 4 >"$work/crowd5.log" 2>&1 & crowd5=$!
  pids+=($crowd5)
  wait_for_log "$work/hub3.log" "accept failed: Too many open files; pausing"
  cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
  c0=$(cpu "$hub3"); sleep 3; c1=$(cpu "$hub3")
  ticks=$((c1 - c0)); hz=$(getconf CLK_TCK)
  [ "$ticks" -lt $((hz / 2)) ] || fail "the hub used $ticks/$hz s of CPU in 3 s out of descriptors (spinning)"
  accept_lines=$(grep -c "accept failed" "$work/hub3.log")
  [ "$accept_lines" -le 12 ] || fail "$accept_lines 'accept failed' lines in 3 s"
  wait "$crowd5" 2>/dev/null || true; forget_pid "$crowd5"
  start_outlet outlet3 "$h3" "$web" site3; outlet3=$last_pid
  # The same at an inlet whose local clients take every descriptor it has.
  l3=$(free_port)
  portico="$work/portico-ulimited"; start_inlet inlet3 "$h3" "$l3" site3; inlet3=$last_pid; portico=$real_portico
  python3 "$flood" connections --port "$l3" --count 80 --hold 4 >"$work/crowd6.log" 2>&1 & crowd6=$!; pids+=($crowd6)
  wait_for_log "$work/inlet3.log" "inlet: accept failed: Too many open files; pausing"
  c0=$(cpu "$inlet3"); sleep 3; c1=$(cpu "$inlet3")
  inlet_ticks=$((c1 - c0))
  [ "$inlet_ticks" -lt $((hz / 2)) ] || fail "the inlet used $inlet_ticks/$hz s of CPU in 3 s out of descriptors (spinning)"
  wait "$crowd6" 2>/dev/null || true; forget_pid "$crowd6"
  fetch "$l3" 15 || fail "the inlet did not serve a client once the descriptors were free again"
  stop_agent "$inlet3" inlet3; stop_agent "$outlet3" outlet3; stop_agent "$hub3" hub3
fi
echo "agent flood test passed: rejoin ${rejoin}s under $sent first messages, log +$grown bytes; per-address," \
  "total and per-peer stream limits refused the excess with their lines; out of descriptors the hub used" \
  "$ticks/$hz s CPU in 3 s with $accept_lines accept lines, then served a new outlet; an inlet out of descriptors" \
  "used $inlet_ticks/$hz s, then served a client"
