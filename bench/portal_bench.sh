#!/usr/bin/env bash
# bench/portal_bench.sh [PORTICO] — what secure channels cost on portal throughput. A benchmark, not a test.
#
# One iperf3 server on loopback, reached by one iperf3 client, single stream, both directions (-R), through:
#   direct     loopback, no tunnel
#   ssh-*      an OpenSSH -L tunnel (a throwaway sshd on a loopback port), per cipher
#   baseline   portico at BASELINE_COMMIT (e0a8961: the same portal code, plaintext through the hub), hub+outlet+inlet
#   current    PORTICO (default build/default/agent/portico): two Noise channels per stream (node<->hub, and inlet<->
#              outlet end to end), with enrollment
# and, with BENCH_PARALLEL=N (default 8, 0 = off), N parallel streams through baseline and current. Every path is
# measured in the same run, rounds interleaved (path by path, round by round) so the shared machine's load drifts
# over all of them alike; the table gives the median round. Printed: MB/s, the tunnel processes' CPU per MB moved
# (hub+outlet+inlet, or ssh+sshd: this figure moves much less with the machine's load than MB/s does), and ratios.
#
# Environment: BENCH_TIME (seconds per measurement, default 5), BENCH_ROUNDS (default 1), BENCH_PARALLEL (default 8),
# BENCH_SSH_CIPHERS (default "aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com"; portico
# picks AES-256-GCM where both ends have AES instructions, else ChaCha20-Poly1305), BASELINE_COMMIT (default
# e0a8961), BASELINE_DIR (default build/bench-baseline-src: the baseline's source, exported with git archive, and
# its build; reused when already built).
# Needs root for apt (iperf3, openssh-server/-client when missing) and to run sshd.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
portico=$(realpath -m "${1:-$repo/build/default/agent/portico}")
bench_time=${BENCH_TIME:-5}
rounds=${BENCH_ROUNDS:-1}
parallel=${BENCH_PARALLEL:-8}
ssh_ciphers=${BENCH_SSH_CIPHERS:-aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com}
baseline_commit=$(git -C "$repo" rev-parse --verify "${BASELINE_COMMIT:-e0a8961}^{commit}")
baseline_dir=$(realpath -m "${BASELINE_DIR:-$repo/build/bench-baseline-src}")

[ -x "$portico" ] || { echo "portal_bench: no portico binary at $portico (build it: cmake --preset default && cmake --build --preset default)" >&2; exit 2; }

# --- tools -------------------------------------------------------------------------------------------------------
need=()
command -v iperf3 >/dev/null || need+=(iperf3)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "portal_bench: installing ${need[*]}" >&2
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
    { "${sudo_cmd[@]}" apt-get update >&2 && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y \
        --no-install-recommends "${need[@]}" >&2; }
fi

# --- the baseline binary, built once ----------------------------------------------------------------------------
# git archive rather than a worktree: nothing is registered in the shared checkout's .git.
baseline=$baseline_dir/build/default/agent/portico
if [ -x "$baseline" ] && [ "$(cat "$baseline_dir/.bench-baseline-commit" 2>/dev/null)" = "$baseline_commit" ]; then
  echo "baseline: reusing $baseline (${baseline_commit:0:7})" >&2
else
  echo "baseline: building portico at ${baseline_commit:0:7} in $baseline_dir (once)" >&2
  rm -rf "$baseline_dir" "$baseline_dir.tmp"
  mkdir -p "$baseline_dir.tmp"
  git -C "$repo" archive "$baseline_commit" | tar -x -C "$baseline_dir.tmp"
  echo "$baseline_commit" >"$baseline_dir.tmp/.bench-baseline-commit"
  mv "$baseline_dir.tmp" "$baseline_dir"
  (cd "$baseline_dir" && nice -n 10 cmake --preset default >/dev/null &&
    nice -n 10 cmake --build build/default --target portico) >&2
fi

# --- processes: only our own pids are ever signalled ------------------------------------------------------------
work=$(mktemp -d /tmp/portal-bench.XXXXXX)
pids=()
descendants() { # PID: its descendants, by walking /proc's parent links
  local p c
  for p in "$@"; do
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
  done
}
sshd=""
cleanup() {
  local i p all=()
  # The ssh clients first, so that sshd (still running) reaps its session processes as they end.
  for p in "${pids[@]}"; do [ "$p" != "$sshd" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = ssh ] && { kill -TERM "$p" 2>/dev/null || true; }; done
  for ((i = 0; i < 40; i++)); do [ -n "$sshd" ] && [ -n "$(descendants "$sshd")" ] || break; sleep 0.05; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do all+=("${pids[i]}" $(descendants "${pids[i]}")); done
  for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 60; i++)); do
    local left=0
    for p in "${all[@]}"; do [ -e /proc/"$p" ] && ! grep -q ') Z' /proc/"$p"/stat 2>/dev/null && left=1; done
    [ $left -eq 0 ] && break
    sleep 0.05
  done
  for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "portal_bench: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for_log() { # FILE PATTERN [SECONDS]
  local i
  for ((i = 0; i < ${3:-15} * 20; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  fail "no line matching '$2' in $1 within ${3:-15}s"
}
wait_port() { # PORT: until something listens on it (no probe connection: the servers would count it as a test)
  local i
  for ((i = 0; i < 200; i++)); do
    [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ] && return 0
    sleep 0.05
  done
  fail "nothing listening on 127.0.0.1:$1"
}
start() { # LOGNAME CMD...: background, logged; sets last_pid
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  last_pid=$!; pids+=("$last_pid")
}
# OCKAM_P2P=off: the relay path's figures (on one machine two agents would find a direct path over its own address).
agent_env=(env -u OCKAM_LISTEN -u OCKAM_HUB -u OCKAM_IN -u OCKAM_OUT -u OCKAM_FORWARD -u OCKAM_RELAY -u OCKAM_DATA
  -u OCKAM_ENROLL -u OCKAM_HUB_IDENTITY -u OCKAM_ALLOW -u OCKAM_METRICS -u BALENA_DEVICE_UUID OCKAM_LOG=warn OCKAM_P2P=off)

# --- the machine ------------------------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
aes=no; grep -qwE 'aes|pmull' /proc/cpuinfo && aes=yes
echo "machine: $(nproc) CPUs, ${cpu_model:-$(uname -m)}, AES instructions: $aes, kernel $(uname -r)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "portico:  $portico ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- core agent platform 2>/dev/null || echo ' + uncommitted changes') in the checkout)"
echo "baseline: $baseline (${baseline_commit:0:7})"

# --- the server and the paths -----------------------------------------------------------------------------------
iperf_port=$(free_port)
start iperf-server iperf3 -s -B 127.0.0.1 -p "$iperf_port"; iperf_server=$last_pid
wait_port "$iperf_port"

paths=(direct)
declare -A path_port path_pids path_label
path_port[direct]=$iperf_port; path_pids[direct]=""; path_label[direct]="direct loopback"

# OpenSSH: a throwaway host key and client key, sshd in the foreground on a loopback port, one -L tunnel per cipher.
ssh_port=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
[ -d /run/sshd ] || mkdir -p /run/sshd # sshd's privilege separation directory (normally made by its service)
cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1:$ssh_port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
Ciphers ${ssh_ciphers// /,}
EOF
start sshd /usr/sbin/sshd -D -e -f "$work/sshd_config"; sshd=$last_pid
wait_port "$ssh_port"
for cipher in $ssh_ciphers; do
  short=${cipher%%@*}; p=$(free_port)
  start "ssh-$short" ssh -F /dev/null -N -T -p "$ssh_port" -i "$work/client_key" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o Compression=no \
    -o Ciphers="$cipher" -L "127.0.0.1:$p:127.0.0.1:$iperf_port" root@127.0.0.1
  wait_port "$p"
  paths+=("ssh-$short"); path_port["ssh-$short"]=$p; path_label["ssh-$short"]="ssh -L $short"
  path_pids["ssh-$short"]="$last_pid sshd-session" # CPU: the client plus sshd's session processes
done

# Portico: hub, outlet in front of the iperf3 server, inlet. ROLE is baseline or current.
start_portico() {
  local role=$1 bin=$2 hp lp token="" operator_token=""
  hp=$(free_port); lp=$(free_port)
  mkdir -p "$work/$role-hub" "$work/$role-outlet" "$work/$role-inlet"
  start "$role-hub" "${agent_env[@]}" OCKAM_LOG=info OCKAM_LISTEN=127.0.0.1:$hp OCKAM_DATA="$work/$role-hub" "$bin"
  local hub=$last_pid
  wait_for_log "$work/$role-hub.log" "hub listening on 127\.0\.0\.1:$hp"
  if [ "$role" = current ]; then
    token=$(OCKAM_DATA="$work/$role-hub" "$bin" token --uses 10 role=device 2>/dev/null) || fail "portico token failed"
    operator_token=$(OCKAM_DATA="$work/$role-hub" "$bin" token --uses 10 role=operator 2>/dev/null) ||
      fail "portico token failed"
  fi
  start "$role-outlet" "${agent_env[@]}" OCKAM_LOG=info OCKAM_HUB=127.0.0.1:$hp OCKAM_OUT=127.0.0.1:$iperf_port \
    OCKAM_RELAY=bench OCKAM_DATA="$work/$role-outlet" ${token:+OCKAM_ENROLL=$token} "$bin"
  local outlet=$last_pid
  wait_for_log "$work/$role-outlet.log" "outlet ready: relay \"bench\""
  start "$role-inlet" "${agent_env[@]}" OCKAM_LOG=info OCKAM_HUB=127.0.0.1:$hp OCKAM_IN=127.0.0.1:$lp \
    OCKAM_FORWARD=bench OCKAM_DATA="$work/$role-inlet" ${operator_token:+OCKAM_ENROLL=$operator_token} "$bin"
  local inlet=$last_pid
  wait_for_log "$work/$role-inlet.log" "inlet listening on 127\.0\.0\.1:$lp"
  [ "$role" = current ] && wait_for_log "$work/$role-inlet.log" "member of hub"
  paths+=("$role"); path_port[$role]=$lp; path_pids[$role]="$hub $outlet $inlet"
  path_label[$role]="portico $role"
}
start_portico baseline "$baseline"
start_portico current "$portico"
if [ "$parallel" -gt 0 ]; then
  for role in baseline current; do
    paths+=("$role-P$parallel"); path_port["$role-P$parallel"]=${path_port[$role]}
    path_pids["$role-P$parallel"]=${path_pids[$role]}; path_label["$role-P$parallel"]="portico $role -P $parallel"
  done
fi

# cpu_ticks PID...: user+system ticks of the processes ("sshd-session": sshd's children, the live session).
cpu_ticks() {
  local p list=() total=0 t
  for p in "$@"; do
    if [ "$p" = sshd-session ]; then list+=($(descendants "$sshd")); else list+=("$p"); fi
  done
  for p in "${list[@]}"; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$p"/stat 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# measure PATH DIR ROUND: one iperf3 run; appends "path dir round MB/s cpu_s bytes per-process-cpu%" to results.
results=$work/results
measure() {
  local path=$1 dir=$2 round=$3 flags=() p before=() after=() i out t0 t1
  [ "$dir" = rev ] && flags+=(-R)
  case $path in *-P*) flags+=(-P "${path##*-P}") ;; esac
  local procs=(${path_pids[$path]})
  for p in "${procs[@]}"; do before+=("$(cpu_ticks "$p")"); done
  t0=$(date +%s.%N)
  timeout $((bench_time + 30)) iperf3 -c 127.0.0.1 -p "${path_port[$path]}" -t "$bench_time" -J "${flags[@]}" \
    >"$work/iperf.json" 2>"$work/iperf-client.err" || { out=$(cat "$work/iperf.json")
    echo "portal_bench: iperf3 through $path ($dir) failed: $(head -c 300 <<<"$out" | tr '\n' ' ') $(cat "$work/iperf-client.err")" >&2
    echo "$path $dir $round nan nan 0 -" >>"$results"; return 0; }
  t1=$(date +%s.%N)
  for p in "${procs[@]}"; do after+=("$(cpu_ticks "$p")"); done
  local per="" sum=0
  for ((i = 0; i < ${#procs[@]}; i++)); do
    local d=$((after[i] - before[i])); sum=$((sum + d))
    per+="${per:+/}$(awk -v d="$d" -v hz="$(getconf CLK_TCK)" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * d / hz / (e - s) }')"
  done
  python3 - "$path" "$dir" "$round" "$sum" "$(getconf CLK_TCK)" "${per:--}" "$work/iperf.json" >>"$results" <<'EOF'
import json, sys
path, d, rnd, ticks, hz, per, out = sys.argv[1:]
j = json.load(open(out))
if "error" in j: sys.exit(f"iperf3: {j['error']}")
r = j["end"]["sum_received"]
print(path, d, rnd, f"{r['bits_per_second'] / 8e6:.2f}", f"{int(ticks) / int(hz):.3f}", r["bytes"], per)
EOF
}

# A short warm-up through every tunnel (first connections, handshakes), then the rounds.
for path in "${paths[@]}"; do
  case $path in *-P*) continue ;; esac
  timeout 30 iperf3 -c 127.0.0.1 -p "${path_port[$path]}" -t 1 >/dev/null 2>&1 || fail "warm-up through $path failed"
done
runs=$((${#paths[@]} * 2 * rounds))
echo "measuring: ${#paths[@]} paths x 2 directions x $rounds rounds x ${bench_time}s (~$((runs * (bench_time + 1)))s)" >&2
: >"$results"
for ((r = 1; r <= rounds; r++)); do
  for path in "${paths[@]}"; do
    for dir in fwd rev; do
      measure "$path" "$dir" "$r"
      echo "  round $r $path $dir: $(tail -1 "$results" | awk '{ print $4 " MB/s" }')  load $(cut -d' ' -f1 /proc/loadavg)" >&2
    done
  done
done
for path in "${paths[@]}"; do
  for p in ${path_pids[$path]}; do [ "$p" = sshd-session ] || [ -e /proc/"$p" ] || fail "a process of $path ($p) died"; done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the table --------------------------------------------------------------------------------------------------
for p in "${paths[@]}"; do echo "$p ${path_label[$p]}"; done >"$work/labels"
python3 - "$results" "$parallel" "$ssh_ciphers" "$rounds" "$bench_time" "$work/labels" <<'EOF'
import math, sys
results, parallel, ciphers, rounds, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), int(sys.argv[4]), sys.argv[5]
order, label = [], {}
for line in open(sys.argv[6]):
    k, l = line.rstrip("\n").split(" ", 1); order.append(k); label[k] = l
runs = {}
for line in open(results):
    path, d, rnd, mbs, cpu, nbytes, per = line.split()
    runs.setdefault((path, d), []).append((float(mbs), float(cpu), int(nbytes), per))
def med(path, d):
    rs = [r for r in runs.get((path, d), []) if not math.isnan(r[0])]
    if not rs: return None
    rs.sort(key=lambda r: r[0])
    return rs[(len(rs) - 1) // 2]  # the median round (lower median for an even count)
def cell(path, d):
    m = med(path, d); return f"{m[0]:9.1f}" if m else "   failed"
def cpu_per_mb(path, d):
    m = med(path, d)
    if not m or path == "direct" or not m[2]: return "      -"
    return f"{1000 * m[1] / (m[2] / 1e6):7.2f}"
def per(path, d):
    m = med(path, d); return m[3] if m else "-"
print()
print(f"iperf3 through each path, {secs} s per run, median of {rounds} round(s); fwd = client->server, rev = -R")
print("CPU ms/MB: CPU time of the tunnel's own processes (portico hub+outlet+inlet; ssh client+sshd session) per MB moved")
print("CPU %: per process over the run (portico: hub/outlet/inlet; ssh: client/sshd session)")
print()
print(f"{'path':28} {'fwd MB/s':>9} {'rev MB/s':>9}   {'CPU ms/MB fwd':>13} {'rev':>7}   {'CPU % fwd':>12} {'rev':>12}")
for p in order:
    print(f"{label[p]:28} {cell(p, 'fwd')} {cell(p, 'rev')}   {cpu_per_mb(p, 'fwd'):>13} {cpu_per_mb(p, 'rev'):>7}   "
          f"{per(p, 'fwd'):>12} {per(p, 'rev'):>12}")
def ratio(a, b, d, what=0):
    x, y = med(a, d), med(b, d)
    if not x or not y or not y[what]: return "      -"
    return f"{x[what] / y[what]:7.2f}"
pairs = [("current", "baseline")] + [("current", "ssh-" + c.split("@")[0]) for c in ciphers] + [("current", "direct")]
if parallel > 0:
    pairs += [(f"current-P{parallel}", f"baseline-P{parallel}"), (f"current-P{parallel}", "current"),
              (f"baseline-P{parallel}", "baseline")]
print()
print(f"{'throughput ratio':48} {'fwd':>7} {'rev':>7}")
for a, b in pairs:
    if a in label and b in label:
        print(f"{label[a] + ' / ' + label[b]:48} {ratio(a, b, 'fwd')} {ratio(a, b, 'rev')}")
print()
print(f"{'CPU per MB ratio':48} {'fwd':>7} {'rev':>7}")
cpairs = [("current", "baseline")] + [("current", "ssh-" + c.split("@")[0]) for c in ciphers]
if parallel > 0: cpairs.append((f"current-P{parallel}", f"baseline-P{parallel}"))
def cpu_ratio(a, b, d):
    x, y = med(a, d), med(b, d)
    if not x or not y or not x[2] or not y[2] or not y[1]: return "      -"
    return f"{(x[1] / x[2]) / (y[1] / y[2]):7.2f}"
for a, b in cpairs:
    if a in label and b in label:
        print(f"{label[a] + ' / ' + label[b]:48} {cpu_ratio(a, b, 'fwd')} {cpu_ratio(a, b, 'rev')}")
EOF
