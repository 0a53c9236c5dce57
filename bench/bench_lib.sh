# shellcheck shell=bash
# Helpers of bench/run.sh: own processes started, watched and stopped by pid; readiness polled with deadlines;
# CPU ticks and RSS read from /proc. Usage: . bench/bench_lib.sh   (after setting $work)

pids=()      # every process started here, in order; stopped in reverse at exit
sshd_pid=""  # sshd's sessions are its children: stopped after the ssh clients, so that sshd reaps them
hz=$(getconf CLK_TCK)

# descendants PID...: every descendant, by walking /proc's child lists.
descendants() {
  local p c
  for p in "$@"; do
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
  done
}

# alive PID: exists and is not a zombie.
alive() { [ -e /proc/"$1" ] && ! grep -qE '^[0-9]+ \(.*\) Z' /proc/"$1"/stat 2>/dev/null; }

# deadline_ms MS: sets `deadline` to now + MS (microsecond clock); expired: true once past it.
deadline_ms() { deadline=$((${EPOCHREALTIME/./} + $1 * 1000)); }
expired() { ((${EPOCHREALTIME/./} > deadline)); }

cleanup() {
  local i p all=()
  # ssh clients first, so that sshd (still running) reaps its session processes as they end.
  for p in "${pids[@]}"; do
    [ "$p" != "$sshd_pid" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = ssh ] && { kill -TERM "$p" 2>/dev/null || true; }
  done
  deadline_ms 2000
  while [ -n "$sshd_pid" ] && [ -n "$(descendants "$sshd_pid")" ] && ! expired; do sleep 0.05; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do all+=("${pids[i]}" $(descendants "${pids[i]}")); done
  for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  deadline_ms 5000
  while ! expired; do
    local left=0
    for p in "${all[@]}"; do alive "$p" && { left=1; break; }; done
    [ $left -eq 0 ] && break
    sleep 0.05
  done
  for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${keep_work:-}" ] || rm -rf "$work"
}

fail() {
  echo "bench: $*" >&2
  local log
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 12 "$log" >&2; }; done
  exit 1
}
note() { echo "bench: $*" >&2; }

# free_port: a TCP port nobody listens on right now, from a pool that one python3 call fills (32 at a time: a
# python start costs more than all the rest on a loaded machine). Call it as `free_port; p=$port`, not in $(...).
port_pool=()
free_port() {
  [ ${#port_pool[@]} -gt 0 ] || port_pool=($(python3 -c '
import socket
socks = [socket.socket() for _ in range(32)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'))
  port=${port_pool[0]}; port_pool=("${port_pool[@]:1}")
}

# wait_for_log FILE PATTERN [SECONDS]
wait_for_log() {
  deadline_ms $((${3:-15} * 1000))
  until grep -qE "$2" "$1" 2>/dev/null; do expired && fail "no line matching '$2' in $1 within ${3:-15}s"; sleep 0.02; done
}

# wait_listen PORT [SECONDS]: until something listens on 127.0.0.1:PORT (no probe connection: iperf3 and the
# idle holder would count it).
wait_listen() {
  deadline_ms $((${2:-15} * 1000))
  until [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; do expired && fail "nothing listening on 127.0.0.1:$1"; sleep 0.02; done
}

# established PORT: how many established TCP connections have PORT as their local port.
established() { ss -tnH state established "sport = :$1" 2>/dev/null | wc -l; }

# start LOGNAME CMD...: in the background, logged to $work/LOGNAME.log; sets last_pid.
start() {
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
}

# run_waited CMD...: runs CMD as if in the foreground, but as a background child waited for, so that SIGTERM/SIGINT reach
# the script's trap at once (bash defers a trap until a foreground command ends) and cleanup stops CMD too.
run_waited() {
  local rc=0
  "$@" &
  pids+=("$!")
  wait "$!" || rc=$?
  unset 'pids[${#pids[@]}-1]'
  return $rc
}

# ticks PID...: user+system CPU ticks of the processes, their reaped children (cutime+cstime) and their live
# descendants (socat forks one child per connection; sshd one session per client).
ticks() {
  local p total=0 t
  for p in "$@" $(descendants "$@"); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' /proc/"$p"/stat 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# settle PID...: until none of the processes has a child left (socat's per-connection children have exited and
# been reaped, so their CPU is in the parent's cutime), at most 5 s.
settle() {
  deadline_ms 5000
  while [ -n "$(for p in "$@"; do cat /proc/"$p"/task/*/children 2>/dev/null; done | tr -d ' \n')" ] && ! expired; do
    sleep 0.02
  done
}

# rss_kib PID...: the sum of VmRSS.
rss_kib() {
  local p total=0 r
  for p in "$@"; do
    r=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null)
    total=$((total + ${r:-0}))
  done
  echo "$total"
}

# rss_steady_kib PID...: the highest of $rss_samples (default 5) samples of the summed RSS taken 0.2 s apart
# (allocation after the last connection is accepted may trail it by a few milliseconds).
rss_steady_kib() {
  local i r m=0
  for ((i = 0; i < ${rss_samples:-5}; i++)); do ((i == 0)) || sleep 0.2; r=$(rss_kib "$@"); ((r > m)) && m=$r; done
  echo "$m"
}

# OCKAM_P2P=off: these figures are the relay path's (two agents on one machine would find a direct path over its own
# interface address and carry later streams over it).
agent_env=(env -u OCKAM_LISTEN -u OCKAM_HUB -u OCKAM_IN -u OCKAM_OUT -u OCKAM_FORWARD -u OCKAM_RELAY -u OCKAM_DATA
  -u OCKAM_ENROLL -u OCKAM_HUB_IDENTITY -u OCKAM_ALLOW -u OCKAM_METRICS -u OCKAM_CREDENTIAL_TTL -u BALENA_DEVICE_UUID
  OCKAM_LOG=info OCKAM_P2P=off)

# start_hub PORT: the hub, and the enrollment tokens: hub_token for outlets (role=device), operator_token for
# inlets (role=operator: what outlets admit by default). Sets hub_pid.
start_hub() {
  mkdir -p "$work/data-hub"
  start hub "${agent_env[@]}" OCKAM_LISTEN=127.0.0.1:$1 OCKAM_DATA="$work/data-hub" "$portico"
  hub_pid=$last_pid
  wait_for_log "$work/hub.log" "hub listening on 127\.0\.0\.1:$1"
  hub_token=$(OCKAM_DATA="$work/data-hub" "$portico" token --uses 100 role=device 2>/dev/null) || fail "portico token failed"
  operator_token=$(OCKAM_DATA="$work/data-hub" "$portico" token --uses 100 role=operator 2>/dev/null) ||
    fail "portico token failed"
}

# start_outlet NAME HUB_PORT TARGET_PORT: an enrolled outlet in front of the target, registering relay NAME
# (wait_outlet NAME waits for it), with the variables in outlet_extra_env (an array) too. Sets last_pid.
outlet_extra_env=()
start_outlet() {
  mkdir -p "$work/data-$1-outlet"
  start "$1-outlet" "${agent_env[@]}" "${outlet_extra_env[@]}" OCKAM_HUB=127.0.0.1:$2 OCKAM_OUT=127.0.0.1:$3 \
    OCKAM_RELAY="$1" OCKAM_DATA="$work/data-$1-outlet" OCKAM_ENROLL="$hub_token" "$portico"
}
wait_outlet() { wait_for_log "$work/$1-outlet.log" "outlet ready: relay \"$1\""; }

# start_inlet NAME HUB_PORT LISTEN_PORT: an enrolled inlet to relay NAME (wait_inlet NAME LISTEN_PORT waits until
# it listens and is a member). Sets last_pid.
start_inlet() {
  mkdir -p "$work/data-$1-inlet"
  start "$1-inlet" "${agent_env[@]}" OCKAM_HUB=127.0.0.1:$2 OCKAM_IN=127.0.0.1:$3 OCKAM_FORWARD="$1" \
    OCKAM_DATA="$work/data-$1-inlet" OCKAM_ENROLL="$operator_token" "$portico"
}
wait_inlet() {
  wait_for_log "$work/$1-inlet.log" "inlet listening on 127\.0\.0\.1:$2"
  wait_for_log "$work/$1-inlet.log" "member of hub"
}

# start_socat3 NAME TARGET_PORT: three plaintext socat hops in a row in front of the target; sets socat_port
# (the first hop's) and socat_pids (first, middle, last hop).
start_socat3() {
  local name=$1 next=$2 hop p ports=() hop_pids=()
  for hop in 3 2 1; do
    free_port; p=$port
    start "socat-$name-$hop" socat TCP-LISTEN:"$p",bind=127.0.0.1,reuseaddr,fork,backlog=1024 TCP:127.0.0.1:"$next"
    hop_pids=("$last_pid" "${hop_pids[@]}")
    ports=("$p" "${ports[@]}")
    next=$p
  done
  for p in "${ports[@]}"; do wait_listen "$p"; done
  socat_port=$next; socat_pids="${hop_pids[*]}"
}
