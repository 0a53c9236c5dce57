# shellcheck shell=bash
# Helpers shared by the portal_*_test.sh scripts, on top of lib.sh: start a hub, an outlet, an inlet and the
# servers of portal_load.py, sample memory, and stop agents checking that they exit cleanly.
# Usage: . "$(dirname "$0")/portal_lib.sh"   (with the portico binary as $1)
. "$(dirname "$0")/lib.sh"
portico=$1
load="$(cd "$(dirname "$0")" && pwd)/portal_load.py"
[ -x "$portico" ] || fail "no portico binary at '$portico'"
# Only what each test sets reaches the agents.
unset OCKAM_LISTEN OCKAM_HUB OCKAM_IN OCKAM_OUT OCKAM_FORWARD OCKAM_RELAY OCKAM_DATA OCKAM_LOG BALENA_DEVICE_UUID \
  OCKAM_ENROLL OCKAM_HUB_IDENTITY OCKAM_ALLOW OCKAM_CREDENTIAL_TTL OCKAM_METRICS OCKAM_MAX_CONNECTIONS \
  OCKAM_MAX_CONNECTIONS_PER_ADDRESS OCKAM_MAX_PENDING_HANDSHAKES OCKAM_MAX_CHANNELS_PER_LINK OCKAM_MAX_STREAMS_PER_PEER \
  OCKAM_LISTEN_UDP OCKAM_P2P
log_level=${PORTAL_LOG:-info}
last_pid=

now() { date +%s.%N; }

# True when the binary was built with AddressSanitizer (the asan preset): memory figures are then not comparable.
sanitized() { grep -qa __asan_init "$portico"; }

# alive PID: the process exists, is not a zombie, and has threads left. (An exited process whose memory the
# kernel is still tearing down has none: under qemu-user on a loaded machine that took seconds, after every
# thread of the agent had finished.)
alive() {
  [ -e "/proc/$1" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat" 2>/dev/null &&
    [ -n "$(ls "/proc/$1/task" 2>/dev/null)" ]
}

forget_pid() {
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# wait_port PORT [SECONDS]: until something accepts connections on 127.0.0.1:PORT.
wait_port() {
  local port=$1 limit=${2:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), timeout=1).close()" \
      2>/dev/null && return 0
    sleep 0.05
  done
  fail "nothing listening on 127.0.0.1:$port within ${limit}s"
}

# start_hub LOGNAME PORT [DATANAME [VAR=VALUE...]]: a hub on 127.0.0.1:PORT with its data (identity, tokens) in
# $work/data-DATANAME (default LOGNAME: a restarted hub given the same DATANAME is the same hub), logging to
# $work/LOGNAME.log. Sets last_pid, hub_token: an enrollment token of that hub (role=device, 1000 uses) that
# start_outlet passes as OCKAM_ENROLL, and operator_token (role=operator, 1000 uses), which start_inlet passes
# (outlets let only role=operator in unless OCKAM_ALLOW says otherwise).
start_hub() {
  local name=$1 port=$2 data="$work/data-${3:-$1}"; shift 2; [ $# -gt 0 ] && shift
  env OCKAM_LISTEN=127.0.0.1:$port OCKAM_LOG=$log_level OCKAM_DATA="$data" "$@" "$portico" >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
  wait_for_log "$work/$name.log" "hub listening on 127\.0\.0\.1:$port"
  hub_token=$(OCKAM_DATA="$data" "$portico" token --uses 1000 role=device 2>/dev/null) ||
    fail "portico token failed for hub $name"
  operator_token=$(OCKAM_DATA="$data" "$portico" token --uses 1000 role=operator 2>/dev/null) ||
    fail "portico token failed for hub $name"
}

# The relay's tests run with direct paths off (OCKAM_P2P=off; on this machine's own interface address two agents
# would otherwise find a direct path and carry later streams over it): what they show is the relay path. Direct
# paths have their own tests (rendezvous_test.sh, direct_path_test.sh), which pass OCKAM_P2P=on.
# start_outlet LOGNAME HUB_PORT TARGET_PORT RELAY [VAR=VALUE...]: an outlet, waited for until it is registered
# ("outlet ready"). An empty RELAY leaves OCKAM_RELAY unset. OCKAM_DATA is $work/data-LOGNAME unless given.
# Sets last_pid.
start_outlet() {
  local name=$1 hub=$2 target=$3 relay=$4 pattern; shift 4
  [ -n "$relay" ] && set -- OCKAM_RELAY="$relay" "$@"
  env OCKAM_HUB=127.0.0.1:$hub OCKAM_OUT=127.0.0.1:$target OCKAM_LOG=$log_level OCKAM_DATA="$work/data-$name" \
    OCKAM_P2P=off ${hub_token:+OCKAM_ENROLL=$hub_token} "$@" "$portico" >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
  pattern="outlet ready: relay \"${relay:-[^\"]+}\" on hub 127\.0\.0\.1:$hub -> 127\.0\.0\.1:$target"
  wait_for_log "$work/$name.log" "$pattern"
}

# start_inlet LOGNAME HUB_PORT LISTEN_PORT FORWARD [VAR=VALUE...]: an inlet listening on 127.0.0.1:LISTEN_PORT,
# waited for until it is a member of the hub (enrolled with inlet_token if set, else operator_token, or with its
# stored credential).
# OCKAM_DATA is $work/data-LOGNAME unless given. Sets last_pid.
start_inlet() {
  local name=$1 hub=$2 listen=$3 forward=$4; shift 4
  env OCKAM_HUB=127.0.0.1:$hub OCKAM_IN=127.0.0.1:$listen OCKAM_FORWARD=$forward OCKAM_LOG=$log_level \
    OCKAM_DATA="$work/data-$name" OCKAM_ENROLL="${inlet_token:-$operator_token}" OCKAM_P2P=off "$@" "$portico" \
    >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
  wait_for_log "$work/$name.log" "inlet listening on 127\.0\.0\.1:$listen"
  wait_for_log "$work/$name.log" "member of hub"
}

# start_server LOGNAME MODE --port PORT ...: a portal_load.py server, once it listens (no probe connection: the
# servers count connections). Sets last_pid.
start_server() {
  local name=$1 mode=$2 port=$4
  python3 "$load" "$mode" "${@:3}" >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
  wait_for_log "$work/$name.log" "^listening on 127\.0\.0\.1:$port$"
}

# stop_agent PID NAME [SIGNAL]: SIGTERM (or SIGNAL); the agent must exit 0 within 5 s.
stop_agent() {
  local pid=$1 name=$2 signal=${3:-TERM} rc threads=""
  alive "$pid" || fail "$name (pid $pid) died before the end of the test"
  kill -"$signal" "$pid"
  # 5 s by the clock (microseconds), not by a count of polls, which slow down on a loaded machine.
  local start=${EPOCHREALTIME/./} noted=0 elapsed=0
  while alive "$pid" && ((elapsed <= 5000000)); do
    # Still here after 3 s: note where each of its threads waits (the kernel's view; under qemu-user, the
    # emulator's threads), in case it misses the deadline.
    if ((elapsed >= 3000000 && !noted)); then threads=$(thread_states "$pid"); noted=1; fi
    sleep 0.05
    elapsed=$((${EPOCHREALTIME/./} - start))
  done
  if alive "$pid"; then
    echo "$name's threads 3 s after SIG$signal:" >&2
    echo "$threads" >&2
    fail "$name did not exit within 5s of SIG$signal"
  fi
  set +e; wait "$pid"; rc=$?; set -e
  forget_pid "$pid"
  [ "$rc" -eq 0 ] || fail "$name exited $rc after SIG$signal"
}

# thread_states PID: one line per thread: name, state, what it waits in, its system call and kernel stack top.
thread_states() {
  local task
  for task in /proc/"$1"/task/*; do
    [ -d "$task" ] || continue
    echo "  thread $(basename "$task") $(cat "$task/comm" 2>/dev/null): state $(awk '{print $3}' "$task/stat" 2>/dev/null)," \
      "wchan $(cat "$task/wchan" 2>/dev/null), syscall $(cut -d' ' -f1 "$task/syscall" 2>/dev/null)," \
      "stack $(head -n 3 "$task/stack" 2>/dev/null | awk '{print $2}' | paste -sd' ')"
  done
}

# start_rss OUT NAME=PID...: samples VmRSS every 0.5 s into $work/OUT until stop_rss. Sets rss_pid.
start_rss() {
  local out=$1; shift
  python3 "$load" rss --out "$work/$out" --interval 0.5 "$@" &
  rss_pid=$!; pids+=("$rss_pid")
}
stop_rss() { kill -TERM "$rss_pid" 2>/dev/null || true; wait "$rss_pid" 2>/dev/null || true; forget_pid "$rss_pid"; }

# rss_peak_kib OUT NAME: the highest sample of NAME, in KiB.
rss_peak_kib() { awk -v n="$2" '$2 == n && $3 > m { m = $3 } END { print m + 0 }' "$work/$1"; }
