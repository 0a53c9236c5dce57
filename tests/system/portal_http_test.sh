#!/usr/bin/env bash
# A real HTTP server reached through a portal: hub, outlet in front of `python3 -m http.server`, inlet; curl through
# the inlet gets exactly the files (sequentially and in parallel), and an HTTP error status comes through as is.
. "$(dirname "$0")/portal_lib.sh"

hp=$(free_port); tp=$(free_port); lp=$(free_port)
mkdir "$work/www"
head -c 3000000 /dev/urandom >"$work/www/file"
printf 'hello through the portal\n' >"$work/www/small.txt"
python3 -m http.server --bind 127.0.0.1 "$tp" --directory "$work/www" >"$work/http.log" 2>&1 & pids+=($!)
wait_port "$tp"

start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" web; outlet=$last_pid
start_inlet inlet "$hp" "$lp" web; inlet=$last_pid

url=http://127.0.0.1:$lp
start=$(now)
for i in 1 2 3 4 5; do
  curl -sf --max-time 20 -o "$work/got.$i" "$url/file" || fail "curl $url/file (request $i) exited $?"
  cmp -s "$work/www/file" "$work/got.$i" ||
    fail "request $i: got $(stat -c %s "$work/got.$i") bytes that differ from the 3000000-byte file"
done
sequential=$(awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')

start=$(now)
curl_pids=()
for i in 1 2 3 4 5 6 7 8; do
  curl -sf --max-time 30 -o "$work/par.$i" "$url/file" & curl_pids+=($!)
done
for i in "${!curl_pids[@]}"; do wait "${curl_pids[$i]}" || fail "parallel curl $((i + 1)) failed"; done
for i in 1 2 3 4 5 6 7 8; do cmp -s "$work/www/file" "$work/par.$i" || fail "parallel request $i: content differs"; done
parallel=$(awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')

[ "$(curl -sf --max-time 10 "$url/small.txt")" = "hello through the portal" ] || fail "small.txt content differs"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$url/missing") || true
[ "$code" = 404 ] || fail "a missing file gave HTTP status '$code', expected 404 from the server"

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "portal http test passed: 5 sequential GETs of 3000000 bytes in ${sequential}s, 8 parallel in ${parallel}s," \
  "small file and 404 passed through"
