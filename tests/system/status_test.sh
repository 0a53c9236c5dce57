#!/usr/bin/env bash
# `portico status` and the command line against real processes: a hub, an outlet in front of python3 -m
# http.server and an inlet. Checks each one's `status --json` with python3 (the hub lists the relay online with
# its owner, then offline once the outlet stops; the outlet and inlet show their hub link, credential, bytes and
# peer), the hub's per-relay and process series on /metrics, `portico --help` and every command's --help, unknown
# options (exit 2), `token create/list/delete`, `relay list --json`, `identity --json` and `version --json`.
#   status_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"

hub_port=$(free_port); web_port=$(free_port); in_port=$(free_port); hub_m=$(free_port)
hub_env=(OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_DATA="$work/data-hub")
outlet_env=(OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$web_port OCKAM_RELAY=web OCKAM_DATA="$work/data-outlet")
inlet_env=(OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=web OCKAM_DATA="$work/data-inlet")
# check NAME JSON PYTHON: runs PYTHON with `s` the parsed JSON; fails naming NAME and showing the JSON if it fails.
check() {
  python3 -c "import json, sys
s = json.loads(sys.argv[1])
$3" "$2" || fail "$1: the check failed on: $2"
}
status_of() { env "$@" "$portico" status --json; }

# The command line: help for everything, exit 0; unknown options and commands name themselves, exit 2.
help=$("$portico" --help) || fail "portico --help exited $?"
for command in status health identity token relay revoke send version help; do
  [[ $help == *"$command"* ]] || fail "portico --help does not list $command: $help"
  out=$("$portico" "$command" --help) || fail "portico $command --help exited $?"
  [[ $out == usage:* ]] || fail "portico $command --help printed: $out"
done
set +e
err=$("$portico" status --frobnicate 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && [[ $err == *"unknown option '--frobnicate'"* ]] ||
  fail "an unknown option gave exit $rc: $err"
set +e; "$portico" frobnicate 2>/dev/null; rc=$?; set -e
[ "$rc" = 2 ] || fail "an unknown command gave exit $rc"
check "version --json" "$("$portico" version --json)" "assert s['version'] and s['version'][0].isdigit()"

mkdir -p "$work/site"
echo "hello through portico" >"$work/site/index.html"
python3 -m http.server --bind 127.0.0.1 "$web_port" --directory "$work/site" >"$work/http.log" 2>&1 &
pids+=($!)
wait_port "$web_port"
start_hub hub "$hub_port" hub OCKAM_METRICS=127.0.0.1:$hub_m
hub_id=$(OCKAM_DATA="$work/data-hub" "$portico" identity) || fail "portico identity on the hub's data dir failed"
check "hub identity --json" "$(OCKAM_DATA="$work/data-hub" "$portico" identity --json)" \
  "assert s['identity'] == '$hub_id' and len(s['identity']) == 65, s"
set +e; OCKAM_DATA="$work/nothing-here" "$portico" identity 2>"$work/noid.err"; rc=$?; set -e
[ "$rc" = 16 ] && grep -q "OCKAM_DATA: no identity in $work/nothing-here" "$work/noid.err" ||
  fail "identity without one gave exit $rc: $(cat "$work/noid.err")"
[ ! -e "$work/nothing-here/identity.key" ] || fail "portico identity created an identity"

# Tokens: create (also the old form without "create"), list without secrets, delete.
token_json=$(OCKAM_DATA="$work/data-hub" "$portico" token create --json --uses 3 --ttl 1h role=spare site=x)
token_id=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['id'])" "$token_json")
secret=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['token'].split(':')[1])" "$token_json")
list=$(OCKAM_DATA="$work/data-hub" "$portico" token list --json)
check "token list" "$list" "
mine = [t for t in s if t['id'] == '$token_id']
assert len(s) == 3 and len(mine) == 1, s        # start_hub's two and this one
assert mine[0]['uses'] == 3 and mine[0]['attributes'] == {'role': 'spare', 'site': 'x'} and not mine[0]['expired']"
[[ $list != *"$secret"* ]] && [[ $(OCKAM_DATA="$work/data-hub" "$portico" token list 2>&1) != *"$secret"* ]] ||
  fail "token list shows a secret"
check "token delete" "$(OCKAM_DATA="$work/data-hub" "$portico" token delete "$token_id" --json)" \
  "assert s == {'deleted': '$token_id'}"
check "token list after delete" "$(OCKAM_DATA="$work/data-hub" "$portico" token list --json)" \
  "assert len(s) == 2 and all(t['id'] != '$token_id' for t in s)"
set +e; OCKAM_DATA="$work/data-hub" "$portico" token delete "$token_id" 2>/dev/null; rc=$?; set -e
[ "$rc" = 1 ] || fail "deleting a deleted token gave exit $rc"

start_outlet outlet "$hub_port" "$web_port" web
outlet_pid=$last_pid
outlet_id=$(OCKAM_DATA="$work/data-outlet" "$portico" identity)
start_inlet inlet "$hub_port" "$in_port" web
inlet_id=$(OCKAM_DATA="$work/data-inlet" "$portico" identity)
got=$(curl -sf --max-time 10 "http://127.0.0.1:$in_port/index.html") || fail "curl through the inlet failed"
[ "$got" = "hello through portico" ] || fail "the page came back as: $got"

check "hub status" "$(status_of "${hub_env[@]}")" "
assert s['role'] == 'hub' and s['identity'] == '$hub_id' and s['uptime_seconds'] >= 0, s
assert 'hub' not in s and s['members_connected'] == 2, s
[r] = s['relays']
assert r['name'] == 'web' and r['owner'] == '$outlet_id' and r['online'] and r['since'] > 0, r
assert r['bytes_to_owner'] > 0 and r['bytes_from_owner'] > len('hello through portico') and r['senders'] == 1, r"
check "outlet status" "$(status_of "${outlet_env[@]}")" "
assert s['role'] == 'outlet' and s['identity'] == '$outlet_id', s
assert s['hub']['address'] == '127.0.0.1:$hub_port' and s['hub']['link_up'] and s['hub']['channel_up'], s
assert s['credential']['attributes'] == {'role': 'device'} and s['credential']['expires_at'] > s['started_at'], s
[o] = s['outlets']
assert o['relay'] == 'web' and o['target'] == '127.0.0.1:$web_port' and o['registered'], o
assert o['bytes_in'] > len('hello through portico') and o['bytes_out'] > 0, o
assert [p['identity'] for p in s['peers']] == ['$inlet_id'] and s['peers'][0]['path'] == 'relay', s
assert s['inlets'] == [], s"
check "inlet status" "$(status_of "${inlet_env[@]}")" "
assert s['role'] == 'inlet' and s['identity'] == '$inlet_id', s
assert s['hub']['link_up'] and s['hub']['channel_up'] and s['credential']['attributes'] == {'role': 'operator'}, s
[i] = s['inlets']
assert i['listen'] == '127.0.0.1:$in_port' and i['relay'] == 'web' and i['bytes_out'] > len('hello through portico'), i
assert [p['identity'] for p in s['peers']] == ['$outlet_id'], s
assert s['outlets'] == [], s"
text=$(env "${hub_env[@]}" "$portico" status) || fail "portico status (text) on the hub failed"
[[ $text == "hub "*"relay \"web\" of $outlet_id: online since"* ]] || fail "hub status text: $text"
# The health line still answers, also to a client that sends no request (older `portico health`).
env "${hub_env[@]}" "$portico" health >/dev/null || fail "portico health on the hub failed"
check "health --json" "$(env "${outlet_env[@]}" "$portico" health --ready --json)" "assert s['healthy'] and s['ready'], s"
sock=$(ls "$work"/data-hub/status-hub-*.sock)
line=$(python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(3); print(s.recv(1024).decode().strip())" "$sock")
[[ $line == "healthy: hub listening"* ]] || fail "a silent client got: $line"
# Every status slot held by a client that sends half a request and waits: `portico health` still gets its answer
# (it waits in the backlog for a slot, at most one exchange deadline) instead of being closed and failing.
python3 - "$sock" >"$work/holders.log" 2>&1 <<'PY' &
import socket, sys, time
held = []
for _ in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"stat")  # no newline: the server waits for the rest (kStatusRequestWait)
    held.append(s)
print("holding", flush=True)
for s in held:
    s.settimeout(15)
    s.recv(1024)  # the server's deadline ends each
print("released", flush=True)
PY
holders=$!; pids+=("$holders")
wait_for_log "$work/holders.log" "^holding$"
t0=$(now)
env "${hub_env[@]}" "$portico" health >/dev/null || fail "portico health failed while the status slots were held"
# It was answered only once a holder's half request timed out (kStatusRequestWait, 0.5 s after it connected) and
# freed a slot: proof the slots were full when it asked.
python3 -c "import sys; sys.exit(0 if $(now) - $t0 >= 0.25 else 1)" || fail "health was answered at once: the slots were not full"
wait "$holders" || fail "the holders' script failed: $(cat "$work/holders.log")"

# /metrics on the hub: per-relay series, build info, process figures.
metrics=$(curl -sf --max-time 5 "http://127.0.0.1:$hub_m/metrics") || fail "no metrics from the hub"
for series in 'portico_relay_online{relay="web"} 1' 'portico_build_info{version="' 'process_resident_memory_bytes ' \
  'process_open_fds ' 'process_cpu_seconds_total ' 'process_start_time_seconds ' \
  'portico_relay_bytes_total{relay="web",direction="to_owner"} ' 'portico_relay_bytes_total{relay="web",direction="from_owner"} '; do
  grep -qF "$series" <<<"$metrics" || fail "hub metrics lack '$series'"
done

# The outlet stops: the hub shows its relay offline, still owned, since about now.
stopped_at=$(date +%s)
stop_agent "$outlet_pid" outlet
offline=
for _ in $(seq 100); do
  hub_status=$(status_of "${hub_env[@]}")
  if python3 -c "import json,sys; assert not json.loads(sys.argv[1])['relays'][0]['online']" "$hub_status" 2>/dev/null; then
    offline=1; break
  fi
  sleep 0.1
done
[ -n "$offline" ] || fail "the hub still shows relay web online after its outlet stopped: $hub_status"
check "hub status after the outlet stopped" "$hub_status" "
[r] = s['relays']
assert r['name'] == 'web' and r['owner'] == '$outlet_id' and not r['online'], r
assert $stopped_at - 1 <= r['since'] <= $stopped_at + 10, r
assert s['members_connected'] == 1, s"
grep -qF 'portico_relay_online{relay="web"} 0' <<<"$(curl -sf --max-time 5 "http://127.0.0.1:$hub_m/metrics")" ||
  fail "hub metrics do not show relay web offline"
check "inlet status without its outlet" "$(status_of "${inlet_env[@]}")" "assert s['hub']['channel_up'], s"

# The stored relay names, from the hub's data dir (within a second of the change: the hub coalesces writes).
for _ in $(seq 50); do
  relays=$(OCKAM_DATA="$work/data-hub" "$portico" relay list --json 2>/dev/null)
  python3 -c "import json,sys; [r] = json.loads(sys.argv[1]); assert r['last_seen'] >= $stopped_at - 1" "$relays" 2>/dev/null && break
  sleep 0.1
done
check "relay list --json" "$relays" "
[r] = s
assert r['name'] == 'web' and r['owner'] == '$outlet_id' and r['last_seen'] >= $stopped_at - 1, r"
# No agent: status says so, exit 1.
set +e; status_of OCKAM_LISTEN=127.0.0.1:1 OCKAM_DATA="$work/nobody" >/dev/null 2>"$work/none.err"; rc=$?; set -e
[ "$rc" = 1 ] && grep -q "no hub agent answers on" "$work/none.err" || fail "status without an agent: exit $rc, $(cat "$work/none.err")"
echo "status test passed: hub, outlet and inlet status checked; relay web offline since $(date -u -d @"$stopped_at" +%H:%M:%S)"
