#!/usr/bin/env bash
# Bulk data both ways through ONE portal stream at the same time: the client sends BULK_BYTES (default 1 GiB) and
# half-closes while the server sends BULK_BYTES back and then half-closes; both sides hash what they send and
# receive, and the SHA-256s must match. Prints the throughput and the agents' peak memory.
. "$(dirname "$0")/portal_lib.sh"
bytes=${BULK_BYTES:-1073741824}

hp=$(free_port); tp=$(free_port); lp=$(free_port)
start_server target bulk-server --port "$tp" --bytes "$bytes" --result "$work/server.result"
start_hub hub "$hp"; hub=$last_pid
start_outlet outlet "$hp" "$tp" bulk; outlet=$last_pid
start_inlet inlet "$hp" "$lp" bulk; inlet=$last_pid
start_rss rss.samples hub="$hub" outlet="$outlet" inlet="$inlet"

result=$(python3 "$load" bulk-client --port "$lp" --bytes "$bytes" --server-bytes "$bytes" \
  --result "$work/server.result" --timeout 60 2>&1) || fail "bulk transfer: $result"
stop_rss

stop_agent "$inlet" inlet
stop_agent "$outlet" outlet
stop_agent "$hub" hub
echo "$result"
echo "portal bulk test passed: $bytes bytes each way; peak RSS hub $(($(rss_peak_kib rss.samples hub) / 1024)) MiB," \
  "outlet $(($(rss_peak_kib rss.samples outlet) / 1024)) MiB, inlet $(($(rss_peak_kib rss.samples inlet) / 1024)) MiB" \
  "$(sanitized && echo "(AddressSanitizer build)")"
