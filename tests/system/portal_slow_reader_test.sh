#!/usr/bin/env bash
# Flow control: the target sends SLOW_BYTES (default 200 MB) on every connection. First a baseline: one stream read
# at full speed alone. Then one client reads at 10 KB/s for 15 s (longer when the baseline took long: 2 s plus
# two and a half baselines, so the slow reader outlives any fast stream that keeps half the baseline rate — an
# AddressSanitizer build on a busy machine is slow) while a second stream over the same inlet, hub and
# outlet reads its SLOW_BYTES at full speed. The slow reader must neither make an agent buffer its backlog (VmRSS of
# hub, outlet and inlet, sampled every 0.5 s over the whole test, stays under RSS_LIMIT_MIB, default 64; in an
# AddressSanitizer build, whose shadow memory alone is ~70 MiB, under each process's first sample plus that) nor
# hold back the other stream (at least half the baseline throughput), and it still gets its own data.
. "$(dirname "$0")/portal_lib.sh"
bytes=${SLOW_BYTES:-200000000}
slow_rate=10000
slow_seconds=15
limit_mib=${RSS_LIMIT_MIB:-64}
relative=
if sanitized; then
  # AddressSanitizer's own memory dwarfs the agents' buffers: count growth from the first sample instead. Keep its
  # quarantine small so that freed buffers do not count as growth; a backlog of 200 MB would still show.
  relative=yes
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
fi

hp=$(free_port); tp=$(free_port); lp=$(free_port)
start_server target source-server --port "$tp" --bytes "$bytes"
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" slow; outlet=$last_pid
start_inlet inlet "$hp" "$lp" slow; inlet=$last_pid
start_rss rss.samples hub="$hub" outlet="$outlet" inlet="$inlet"

mbps() { sed -n 's/.* = \([0-9.]*\) MB\/s.*/\1/p' <<<"$1"; }

# Warm up, then the baseline with nothing else on the path.
warm=$(python3 "$load" read-client --port "$lp" --duration 1 2>&1) || fail "warm-up stream: $warm"
baseline=$(python3 "$load" read-client --port "$lp" --expect-bytes "$bytes" 2>&1) || fail "baseline stream: $baseline"
base_seconds=$(sed -n 's/.* in \([0-9.]*\)s = .*/\1/p' <<<"$baseline")
[ -n "$base_seconds" ] || fail "no duration in the baseline's line: $baseline"
slow_seconds=$(awk -v b="$base_seconds" -v s="$slow_seconds" 'BEGIN { n = int(2 + 2.5 * b + 1); print (n > s ? n : s) }')

# The slow reader; give its backlog two seconds to pile up before the fast stream starts.
python3 "$load" read-client --port "$lp" --rate "$slow_rate" --duration "$slow_seconds" --timeout "$((slow_seconds + 5))" \
  --progress "$work/slow.progress" >"$work/slow.log" 2>&1 & slow=$!; pids+=("$slow")
sleep 2
alive "$slow" || fail "the slow reader ended early: $(cat "$work/slow.log")"
fast=$(python3 "$load" read-client --port "$lp" --expect-bytes "$bytes" 2>&1) ||
  fail "fast stream beside the slow one: $fast"
alive "$slow" || fail "the slow reader ended before the fast stream finished: $(cat "$work/slow.log")"
wait "$slow" || fail "slow reader: $(cat "$work/slow.log")"
forget_pid "$slow"
sleep 1  # one more sample after the slow reader went away
stop_rss

slow_bytes=$(cut -d' ' -f1 "$work/slow.progress")
[ "$slow_bytes" -ge $((slow_rate * slow_seconds / 2)) ] ||
  fail "the slow reader got only $slow_bytes bytes in ${slow_seconds}s at ${slow_rate} B/s"

peaks=""
for name in hub outlet inlet; do
  peak=$(rss_peak_kib rss.samples "$name")
  first=$(awk -v n="$name" '$2 == n { print $3; exit }' "$work/rss.samples")
  [ "$peak" -gt 0 ] || fail "no memory samples for $name"
  limit_kib=$((limit_mib * 1024))
  if [ -n "$relative" ]; then limit_kib=$((limit_kib + first)); fi
  [ "$peak" -lt "$limit_kib" ] ||
    fail "$name peaked at $((peak / 1024)) MiB VmRSS, limit $((limit_kib / 1024)) MiB (samples: $(awk -v n="$name" \
      '$2 == n { printf "%s:%d ", $1, $3 / 1024 }' "$work/rss.samples"))"
  peaks+="$name $((peak / 1024)) MiB (limit $((limit_kib / 1024))), "
done

base_rate=$(mbps "$baseline"); fast_rate=$(mbps "$fast")
[ -n "$base_rate" ] && [ -n "$fast_rate" ] || fail "could not read throughputs from '$baseline' and '$fast'"
awk -v f="$fast_rate" -v b="$base_rate" 'BEGIN { exit !(f >= b / 2) }' ||
  fail "the fast stream ran at $fast_rate MB/s beside the slow reader, less than half the baseline $base_rate MB/s"

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "baseline: $baseline"
echo "beside the slow reader: $fast"
echo "slow reader: $(cat "$work/slow.log")"
echo "portal slow reader test passed: peak VmRSS ${peaks}${relative:+AddressSanitizer build; }fast stream" \
  "$fast_rate MB/s vs" \
  "baseline $base_rate MB/s; slow reader got $slow_bytes bytes"
