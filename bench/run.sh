#!/usr/bin/env bash
# bench/run.sh [PORTICO] — Portico's benchmarks in one run, each figure beside its peer measured in the same run
# (see bench/README.md). A benchmark, not a test. On loopback, with an enrolled hub and an outlet + inlet pair per
# target (iperf3, redis, an idle-connection holder), all at default settings, against:
#   socat3  three plaintext socat hops in a row (what the portal's inlet -> hub -> outlet would be without security)
#   ssh     ssh -L -> sshd -> ssh -R (the operator's tunnel to a device through a jump host), key auth, a throwaway
#           sshd on a loopback port
#   direct  no tunnel
# Measured: iperf3 throughput with 1 and 8 streams; CPU per MB of each tunnel process; redis-benchmark GET with 1
# client (p50/p99) and 50 clients (rate); RSS per idle connection through the portal; handshakes per second per core.
# Printed with each goal's ratio; written to docs/benchmarks.md and docs/benchmarks.png (full runs).
#
# Modes (times on the 2-CPU dev machine at load 10-26, i.e. shared with builds): default (full: 7-11 min);
# BENCH_QUICK=1 (~2.5 min: one round, shorter runs, fewer connections; not written to docs/); BENCH_SMOKE=1
# (~35 s there, every part once with tiny amounts: a check that the harness works, for CI). Environment, overriding the mode's values:
#   BENCH_TIME (seconds per iperf3 run), BENCH_ROUNDS (interleaved rounds; medians reported), BENCH_IDLE (idle
#   connection counts, e.g. "1000 10000"), BENCH_OUT (where the results go; default docs/ for a full run, else
#   build/bench-<mode>/), CHANNEL_BENCH (the portico_channel_bench binary), BENCH_KEEP=1 (keep the work directory).
# Needs root: apt for missing packages, sshd, and a higher open-file limit for 10,000 connections.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
portico=$(realpath -m "${1:-$repo/build/default/agent/portico}")
channel_bench=$(realpath -m "${CHANNEL_BENCH:-$(dirname "$portico")/../bench/portico_channel_bench}")

mode=full
[ "${BENCH_QUICK:-0}" = 1 ] && mode=quick
[ "${BENCH_SMOKE:-0}" = 1 ] && mode=smoke
case $mode in
  full) iperf_time=5 rounds=3 idle_counts="1000 10000" redis1_n=20000 redis50_n=100000 hs_time=1 rss_samples=5 ;;
  quick) iperf_time=2 rounds=1 idle_counts="1000 3000" redis1_n=5000 redis50_n=30000 hs_time=0.3 rss_samples=3 ;;
  smoke) iperf_time=0 rounds=1 idle_counts="50 100" redis1_n=300 redis50_n=1000 hs_time=0.02 rss_samples=1 ;;
esac
iperf_time=${BENCH_TIME:-$iperf_time}
rounds=${BENCH_ROUNDS:-$rounds}
idle_counts=${BENCH_IDLE:-$idle_counts}
out=${BENCH_OUT:-$([ $mode = full ] && echo "$repo/docs" || echo "$repo/build/bench-$mode")}
keep_work=${BENCH_KEEP:+1}
started_at=$SECONDS

# --- what it needs ------------------------------------------------------------------------------------------------
BENCH=1 "$repo/scripts/deps.sh" >&2
for bin in "$portico" "$channel_bench"; do
  [ -x "$bin" ] || { echo "bench: no $bin; build it: cmake --preset default && cmake --build --preset default" >&2; exit 2; }
done
max_idle=0
for n in $idle_counts; do ((n > max_idle)) && max_idle=$n; done
# Each process holds one side of every idle connection (the client, the inlet, the outlet, the holder): N + spare.
want_files=$((max_idle + 1024)) hard_files=$(ulimit -Hn)
[ "$hard_files" = unlimited ] || ((hard_files >= want_files)) || want_files=$hard_files
((want_files >= max_idle + 256)) && ulimit -n "$want_files" 2>/dev/null ||
  { echo "bench: the open-file limit (hard $(ulimit -Hn)) is too low for $max_idle connections (lower BENCH_IDLE)" >&2; exit 2; }

work=$(mktemp -d /tmp/portico-bench.XXXXXX)
. "$repo/bench/bench_lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$out"
results=$work/results
: >"$results"
record() { echo "$*" >>"$results"; }

# --- the machine ------------------------------------------------------------------------------------------------
record "meta mode $mode"
record "meta date $(date -u '+%Y-%m-%d %H:%M UTC')"
record "meta cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
record "meta cpus $(nproc)"
record "meta aes $(grep -qwE 'aes|pmull' /proc/cpuinfo && echo yes || echo no)"
record "meta kernel $(uname -r)"
record "meta memory $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
record "meta tree $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- core agent platform 2>/dev/null || echo ' + uncommitted changes')"
record "meta load_start $(cut -d' ' -f1-3 /proc/loadavg)"
record "meta settings iperf3 $([ "$iperf_time" = 0 ] && echo "16 MB" || echo "${iperf_time} s") per run, $rounds round(s), redis GET -n $redis1_n (1 client) / $redis50_n (50 clients), idle $idle_counts"
note "$mode run: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); work in $work"

# --- the servers --------------------------------------------------------------------------------------------------
free_port; iperf_port=$port; free_port; redis_port=$port; free_port; idle_port=$port
start iperf-server iperf3 -s -B 127.0.0.1 -p "$iperf_port" --idle-timeout 30
start redis-server redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
  --maxclients 1000 --dir "$work"
start idle-server python3 "$repo/bench/idle_conns.py" server --port "$idle_port"

# --- OpenSSH: a throwaway sshd (started here, used below) ---------------------------------------------------------
free_port; ssh_port=$port
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
[ -d /run/sshd ] || mkdir -p /run/sshd  # sshd's privilege separation directory (normally made by its service)
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
GatewayPorts no
EOF
start sshd /usr/sbin/sshd -D -e -f "$work/sshd_config"; sshd_pid=$last_pid
wait_listen "$iperf_port"; wait_listen "$redis_port"; wait_for_log "$work/idle-server.log" "^listening on"

# --- Portico: one hub; per target an enrolled outlet in front of it and an enrolled inlet -------------------------
free_port; hub_port=$port
start_hub "$hub_port"
declare -A ports procs outlet_of inlet_of  # ports[PATH-TARGET]: where a client connects; procs: ROLE=PID ...
for target in iperf redis idle; do  # all three outlets at once, then the inlets (each waits for its outlet)
  tp_var=${target}_port
  # The idle outlet serves one inlet (one peer) with every idle connection: it needs more than the default 256
  # streams per peer (a limit against a member that hogs an outlet, not a capacity).
  outlet_extra_env=()
  [ "$target" = idle ] && outlet_extra_env=(OCKAM_MAX_STREAMS_PER_PEER=$((max_idle + 100)))
  start_outlet "bench-$target" "$hub_port" "${!tp_var}"; outlet_of[$target]=$last_pid
done
for target in iperf redis idle; do wait_outlet "bench-$target"; done
for target in iperf redis idle; do
  free_port; ports[portal-$target]=$port
  start_inlet "bench-$target" "$hub_port" "$port"; inlet_of[$target]=$last_pid
done
for target in iperf redis idle; do
  wait_inlet "bench-$target" "${ports[portal-$target]}"
  procs[portal-$target]="hub=$hub_pid inlet=${inlet_of[$target]} outlet=${outlet_of[$target]}"
done
ports[direct-iperf]=$iperf_port; ports[direct-redis]=$redis_port; procs[direct-iperf]=""; procs[direct-redis]=""

# --- socat: three plaintext hops per target -----------------------------------------------------------------------
for target in iperf redis; do
  tp_var=${target}_port
  start_socat3 "$target" "${!tp_var}"
  ports[socat3-$target]=$socat_port
  read -r s1 s2 s3 <<<"$socat_pids"
  procs[socat3-$target]="hop1=$s1 hop2=$s2 hop3=$s3"
done

# --- OpenSSH: the device's ssh -R and the operator's ssh -L meet in the sshd ----------------------------------------
wait_listen "$ssh_port"
ssh_opts=(-F /dev/null -N -T -p "$ssh_port" -i "$work/client_key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o Compression=no -o LogLevel=ERROR)
free_port; r_iperf=$port; free_port; r_redis=$port; free_port; l_iperf=$port; free_port; l_redis=$port
start ssh-R ssh "${ssh_opts[@]}" -R "127.0.0.1:$r_iperf:127.0.0.1:$iperf_port" -R "127.0.0.1:$r_redis:127.0.0.1:$redis_port" root@127.0.0.1
ssh_r=$last_pid
start ssh-L ssh "${ssh_opts[@]}" -L "127.0.0.1:$l_iperf:127.0.0.1:$r_iperf" -L "127.0.0.1:$l_redis:127.0.0.1:$r_redis" root@127.0.0.1
ssh_l=$last_pid
for p in "$r_iperf" "$r_redis" "$l_iperf" "$l_redis"; do wait_listen "$p"; done
ports[ssh-iperf]=$l_iperf; ports[ssh-redis]=$l_redis
procs[ssh-iperf]="ssh-L=$ssh_l sshd=$sshd_pid ssh-R=$ssh_r"; procs[ssh-redis]=${procs[ssh-iperf]}
paths=(portal socat3 ssh direct)
note "all up [$((SECONDS - started_at)) s]"

# --- memory per idle connection, first (before bulk traffic leaves freed buffers for idle streams to reuse) --------
idle_procs=() idle_roles=()
for kv in ${procs[portal-idle]}; do idle_procs+=("${kv#*=}"); idle_roles+=("${kv%%=*}"); done
# record_roles N: each agent's own RSS now, so the report can say where the growth lives.
record_roles() {
  local i
  for i in "${!idle_procs[@]}"; do record "mem $1 ${idle_roles[i]}_kib $(rss_kib "${idle_procs[i]}")"; done
}
# hold_idle N: N idle connections through the idle pair until the client says "held" (or "failed"); sets client.
hold_idle() {
  start "idle-client-$1" python3 "$repo/bench/idle_conns.py" client --port "${ports[portal-idle]}" --count "$1" \
    --timeout $((30 + $1 / 50))
  client=$last_pid
  deadline_ms $(((35 + $1 / 50) * 1000))
  until grep -qE '^(held|failed)' "$work/idle-client-$1.log" 2>/dev/null; do
    expired && fail "idle client ($1) said nothing in time"
    alive "$client" || break
    sleep 0.05
  done
}
# release_idle N: closes the client's connections and waits until the holder and the inlet have none left.
release_idle() {
  kill -TERM "$client"
  deadline_ms 60000
  until [ "$(established "$idle_port")" -eq 0 ] && [ "$(established "${ports[portal-idle]}")" -eq 0 ]; do
    expired && fail "idle connections ($1) still open 60 s after the client closed them"
    sleep 0.05
  done
}
# One connection first, so that the end-to-end channel of the idle pair is open before the baseline is taken.
hold_idle 1
grep -q '^held' "$work/idle-client-1.log" || fail "no connection through the idle pair: $(cat "$work/idle-client-1.log")"
release_idle 1
rss0=$(rss_steady_kib "${idle_procs[@]}")
record "mem 0 rss_kib $rss0"
record_roles 0
for n in $idle_counts; do
  hold_idle "$n"
  if grep -q '^held' "$work/idle-client-$n.log"; then
    held=$(rss_steady_kib "${idle_procs[@]}")
    record "mem $n rss_kib $held"
    record_roles "$n"
    record "mem $n held $(established "$idle_port")"
    release_idle "$n"
    after=$(rss_steady_kib "${idle_procs[@]}")
    record "mem $n after_close_kib $after"
    note "idle $n: $(((held - rss0) / n)) KiB per connection; $(((after - rss0) / 1024)) MiB still grown after closing [$((SECONDS - started_at)) s]"
  else
    record "mem $n failed $(head -c 300 "$work/idle-client-$n.log" | tr '\n' ' ')"
    note "idle $n: $(cat "$work/idle-client-$n.log")"
    kill -TERM "$client" 2>/dev/null || true
  fi
done

# --- throughput, CPU per MB, redis: rounds interleaved path by path -------------------------------------------------
# measure_iperf PATH STREAMS ROUND
measure_iperf() {
  local path=$1 streams=$2 round=$3 kv before=() after=() names=() ps=() i len=(-t "$iperf_time")
  [ "$iperf_time" = 0 ] && len=(-n 16M)
  for kv in ${procs[$path-iperf]}; do names+=("${kv%%=*}"); ps+=("${kv#*=}"); done
  for i in "${!ps[@]}"; do before+=("$(ticks "${ps[i]}")"); done
  if ! run_waited timeout $((iperf_time + 60)) iperf3 -c 127.0.0.1 -p "${ports[$path-iperf]}" "${len[@]}" -P "$streams" -J \
    >"$work/iperf.json" 2>"$work/iperf.err"; then
    note "iperf3 through $path ($streams streams) failed: $(head -c 300 "$work/iperf.json" | tr '\n' ' ') $(cat "$work/iperf.err")"
    record "iperf $streams $path $round failed"
    return 0
  fi
  case $path in socat3) settle "${ps[@]}" ;; esac
  for i in "${!ps[@]}"; do after+=("$(ticks "${ps[i]}")"); done
  local bytes gbps
  # The receiver's figure; for a -n run (smoke) the sender's: with a few MB the receiver may stop counting early.
  read -r bytes gbps < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]
r=e["sum_sent" if sys.argv[2] == "0" else "sum_received"]; print(r["bytes"], r["bits_per_second"] / 1e9)' \
    "$work/iperf.json" "$iperf_time")
  [ "${bytes:-0}" -gt 0 ] || { note "iperf3 through $path ($streams streams) moved nothing"; record "iperf $streams $path $round failed"; return 0; }
  record "iperf $streams $path $round gbps $gbps"
  for i in "${!ps[@]}"; do
    record "cpu $streams $path $round ${names[i]} $(awk -v d=$((after[i] - before[i])) -v hz="$hz" -v b="$bytes" \
      'BEGIN { printf "%.4f", 1000 * d / hz / (b / 1e6) }')"
  done
}

# measure_redis PATH CLIENTS REQUESTS ROUND
measure_redis() {
  local path=$1 clients=$2 n=$3 round=$4
  if ! run_waited timeout 120 redis-benchmark -h 127.0.0.1 -p "${ports[$path-redis]}" -t get -c "$clients" -n "$n" --csv \
    --precision 3 >"$work/redis.csv" 2>"$work/redis.err"; then
    note "redis-benchmark through $path ($clients clients) failed: $(cat "$work/redis.err" "$work/redis.csv" | head -c 300)"
    record "redis $clients $path $round failed"
    return 0
  fi
  python3 - "$work/redis.csv" "$clients" "$path" "$round" >>"$results" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
row = next(r for r in rows if r["test"].startswith("GET"))
for key, field in (("rps", "rps"), ("p50", "p50_latency_ms"), ("p99", "p99_latency_ms")):
    print("redis", sys.argv[2], sys.argv[3], sys.argv[4], key, row[field])
EOF
}

for path in "${paths[@]}"; do  # warm-up: first connections, the end-to-end channels, caches
  run_waited timeout 30 iperf3 -c 127.0.0.1 -p "${ports[$path-iperf]}" -n 8M >/dev/null 2>&1 || fail "warm-up iperf3 through $path failed"
  [ "$(timeout 10 redis-cli -h 127.0.0.1 -p "${ports[$path-redis]}" ping 2>/dev/null)" = PONG ] ||
    fail "warm-up redis ping through $path failed"
done
for ((r = 1; r <= rounds; r++)); do
  for path in "${paths[@]}"; do
    for streams in 1 8; do measure_iperf "$path" "$streams" "$r"; done
    measure_redis "$path" 1 "$redis1_n" "$r"
    measure_redis "$path" 50 "$redis50_n" "$r"
    note "round $r/$rounds $path: $(grep -E "^(iperf [18]|redis (1|50)) $path $r (gbps|rps|p99)" "$results" |
      awk '{ printf "%s%s %s=%.4g  ", $1, $2, $5, $6 }')load $(cut -d' ' -f1 /proc/loadavg) [$((SECONDS - started_at)) s]"
  done
done

# --- handshakes per second on one core ------------------------------------------------------------------------------
run_waited "$channel_bench" --benchmark_filter='^(NoiseXXHandshake|AgentHandshake|AgentHandshakeResponderSide|X25519WorkOfOneHandshake)$' \
  --benchmark_min_time="$hs_time" --benchmark_format=json >"$work/handshakes.json" 2>"$work/handshakes.err" ||
  fail "portico_channel_bench failed: $(cat "$work/handshakes.err")"
python3 - "$work/handshakes.json" >>"$results" <<'EOF'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    print("handshakes", b["name"], b["handshakes/s"])
EOF

for kv in ${procs[portal-iperf]} ${procs[portal-redis]} ${procs[portal-idle]}; do
  alive "${kv#*=}" || fail "portico ${kv%%=*} (pid ${kv#*=}) died during the run"
done
record "meta load_end $(cut -d' ' -f1-3 /proc/loadavg)"
record "meta seconds $((SECONDS - started_at))"
mkdir -p "$repo/build/bench-$mode"  # the raw figures, to re-plot or compare (bench/report.py RESULTS OUT_DIR PLOT)
cp "$results" "$repo/build/bench-$mode/benchmarks-results.txt"
python3 "$repo/bench/report.py" "$results" "$out" "$repo/bench/plot.gp"
