#!/usr/bin/env bash
# Metrics and health against real processes: a hub, an outlet in front of python3 -m http.server and an inlet,
# each with OCKAM_METRICS. Checks that /metrics shows the bytes of a transfer while it runs and after, that
# `portico health --ready` follows the hub link and the relay registration (0 ready, 1 not) while `portico health`
# (liveness, Docker's HEALTHCHECK) stays 0 through a hub outage because the agent serves and reconnects, that reconnects are
# counted, and that a busy or malformed OCKAM_METRICS stops the agent with one line and exit code 20.
#   agent_monitor_test.sh PORTICO
. "$(dirname "$0")/portal_lib.sh"

hub_port=$(free_port); web_port=$(free_port); in_port=$(free_port)
hub_m=$(free_port); out_m=$(free_port); in_m=$(free_port)
metric() { # metric PORT SERIES: the value of one sample ("" when absent)
  curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2 }'
}
health() { # health VAR=VALUE...: runs `portico health` with that environment; prints its line, returns its code
  env "$@" "$portico" health
}
ready() { # ready VAR=VALUE...: the same with `portico health --ready`
  env "$@" "$portico" health --ready
}

mkdir -p "$work/site"
head -c 64000000 /dev/zero >"$work/site/big"
python3 -m http.server --bind 127.0.0.1 "$web_port" --directory "$work/site" >"$work/http.log" 2>&1 &
pids+=($!)
OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_METRICS=127.0.0.1:$hub_m OCKAM_DATA="$work/hub" "$portico" >"$work/hub.log" 2>&1 &
hub_pid=$!; pids+=("$hub_pid")
wait_for_log "$work/hub.log" "hub listening"
hub_token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 10 role=device 2>/dev/null) || fail "portico token failed"
operator_token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 10 role=operator 2>/dev/null) || fail "portico token failed"
start_outlet outlet "$hub_port" "$web_port" web OCKAM_METRICS=127.0.0.1:$out_m
outlet_env=(OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$web_port OCKAM_RELAY=web OCKAM_DATA="$work/data-outlet")
OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=web OCKAM_METRICS=127.0.0.1:$in_m \
  OCKAM_DATA="$work/inlet" OCKAM_ENROLL="$operator_token" "$portico" >"$work/inlet.log" 2>&1 &
pids+=($!)
wait_for_log "$work/inlet.log" "inlet listening"
wait_for_log "$work/inlet.log" "member of hub"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$web_port/" && break; sleep 0.1; done

line=$(ready "${outlet_env[@]}") || fail "outlet not ready: $line"
[[ $line == "ready: outlet relay \"web\" registered"* ]] || fail "outlet readiness line: $line"
line=$(health "${outlet_env[@]}") || fail "outlet not healthy: $line"
[[ $line == "healthy: serving; ready: "* ]] || fail "outlet health line: $line"
echo "outlet: $line"
line=$(ready OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=web OCKAM_DATA="$work/inlet") ||
  fail "inlet not ready: $line"
echo "inlet: $line"
line=$(ready OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_DATA="$work/hub") || fail "hub not ready: $line"
[[ $line == *"1 relay registered"* ]] || fail "hub health line: $line"
[ "$(metric "$hub_m" portico_relays_registered)" = 1 ] || fail "hub metrics: no registered relay"

# A slow transfer (curl limited to 8 MB/s): the outlet's bytes "in" grow while it runs.
curl -sf --limit-rate 8M -o "$work/got" "http://127.0.0.1:$in_port/big" &
curl_pid=$!; pids+=("$curl_pid")
sleep 1.5
during1=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
open=$(metric "$out_m" portico_portal_open_streams)
sleep 1
during2=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
echo "during the transfer: outlet bytes in $during1 -> $during2, open streams $open"
[ "$open" = 1 ] || fail "expected 1 open stream during the transfer, metrics say '$open'"
[ "$during1" -gt 0 ] && [ "$during2" -gt "$during1" ] || fail "bytes did not move during the transfer"
wait "$curl_pid" || fail "curl through the inlet failed"
forget_pid "$curl_pid"
cmp -s "$work/got" "$work/site/big" || fail "the file differs"
out_in=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
in_out=$(metric "$in_m" 'portico_portal_bytes_total{direction="out"}')
[ "$out_in" -ge 64000000 ] && [ "$out_in" = "$in_out" ] || fail "after: outlet in $out_in, inlet out $in_out"
[ "$(metric "$in_m" portico_portal_streams_opened_total)" = 1 ] || fail "inlet streams opened"
[ "$(metric "$out_m" portico_hub_link_up)" = 1 ] || fail "outlet hub link gauge"

# The hub goes away: not ready, but still healthy (it serves and reconnects); it comes back: ready again, one
# reconnect, two registrations.
kill -TERM "$hub_pid"; wait "$hub_pid" || true; forget_pid "$hub_pid"
for _ in $(seq 50); do ready "${outlet_env[@]}" >/dev/null || break; sleep 0.1; done
line=$(ready "${outlet_env[@]}") && fail "outlet still ready without its hub: $line"
echo "hub down: $line"
line=$(health "${outlet_env[@]}") || fail "outlet unhealthy during a hub outage (a supervisor would restart it): $line"
[[ $line == "healthy: serving, reconnecting by itself; not ready: "*"down"* ]] || fail "health line during the outage: $line"
[ "$(metric "$out_m" portico_hub_link_up)" = 0 ] || fail "outlet hub link gauge while the hub is down"
OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_DATA="$work/hub" "$portico" >"$work/hub2.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do ready "${outlet_env[@]}" >/dev/null && break; sleep 0.1; done
line=$(ready "${outlet_env[@]}") || fail "outlet not ready after the hub came back: $line"
[ "$(metric "$out_m" portico_hub_link_reconnects_total)" = 1 ] || fail "reconnects not counted"
[ "$(metric "$out_m" portico_relay_registrations_total)" = 2 ] || fail "registrations not counted"

# Bounded and strict HTTP: a wrong path is 404, a header flood is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$out_m/other")
[ "$code" = 404 ] || fail "GET /other gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" \
  "http://127.0.0.1:$out_m/metrics")
[ "$code" = 431 ] || fail "an oversized request gave $code"

# No agent answering: unhealthy, exit 1. Busy or malformed OCKAM_METRICS: one line naming it, exit 20.
line=$(health OCKAM_LISTEN=127.0.0.1:1 OCKAM_DATA="$work/nobody") && fail "health without an agent: $line"
[[ $line == "unhealthy: no hub agent answers on "* ]] || fail "health without an agent said: $line"
line=$(ready OCKAM_LISTEN=127.0.0.1:1 OCKAM_DATA="$work/nobody") && fail "--ready without an agent: $line"
# Unconfigured under OCKAM_UNCONFIGURED=idle: healthy (idle, as told), not ready; the agent waits, exit 0 on SIGTERM.
line=$(health OCKAM_UNCONFIGURED=idle OCKAM_OUT=127.0.0.1:1) || fail "an idle agent is not healthy: $line"
[[ $line == "healthy: idle: OCKAM_HUB: is not set"* ]] || fail "idle health line: $line"
line=$(ready OCKAM_UNCONFIGURED=idle OCKAM_OUT=127.0.0.1:1) && fail "an idle agent is ready: $line"
env -i OCKAM_UNCONFIGURED=idle OCKAM_OUT=127.0.0.1:1 OCKAM_DATA="$work/idle" "$portico" >"$work/idle.log" 2>&1 &
idle_pid=$!; pids+=("$idle_pid")
wait_for_log "$work/idle.log" "OCKAM_HUB: is not set .*idle until configured"
sleep 0.5
kill -0 "$idle_pid" || fail "the idle agent exited: $(cat "$work/idle.log")"
[ "$(wc -l <"$work/idle.log")" -eq 1 ] || fail "the idle agent said more than one line: $(cat "$work/idle.log")"
kill -TERM "$idle_pid"; rc_idle=0; wait "$idle_pid" || rc_idle=$?; forget_pid "$idle_pid"
[ "$rc_idle" -eq 0 ] || fail "the idle agent exited $rc_idle on SIGTERM"
# OCKAM_DISABLE=1: one line naming it; exit 0 (nothing to do), or idle like the above under OCKAM_UNCONFIGURED=idle.
rc_off=0; env -i OCKAM_DISABLE=1 OCKAM_LISTEN=127.0.0.1:1 "$portico" >"$work/off.log" 2>&1 || rc_off=$?
[ "$rc_off" -eq 0 ] && [ "$(wc -l <"$work/off.log")" -eq 1 ] && grep -q "OCKAM_DISABLE=1: disabled" "$work/off.log" ||
  fail "OCKAM_DISABLE=1 exited $rc_off: $(cat "$work/off.log")"
set +e
OCKAM_LISTEN=127.0.0.1:$(free_port) OCKAM_METRICS=127.0.0.1:$out_m OCKAM_DATA="$work/h3" "$portico" >"$work/busy.log" 2>&1
rc_busy=$?
OCKAM_LISTEN=127.0.0.1:$(free_port) OCKAM_METRICS=9464 OCKAM_DATA="$work/h3" "$portico" >"$work/bad.log" 2>&1
rc_bad=$?
set -e
[ "$rc_busy" = 20 ] && [ "$(wc -l <"$work/busy.log")" = 1 ] && grep -q "^portico: OCKAM_METRICS: cannot listen" "$work/busy.log" ||
  fail "busy OCKAM_METRICS: exit $rc_busy, $(cat "$work/busy.log")"
[ "$rc_bad" = 20 ] && grep -q "^portico: OCKAM_METRICS: '9464' is not host:port" "$work/bad.log" ||
  fail "bad OCKAM_METRICS: exit $rc_bad, $(cat "$work/bad.log")"
echo "agent monitor test passed: $out_in bytes counted each way; during the transfer $during1 -> $during2"
