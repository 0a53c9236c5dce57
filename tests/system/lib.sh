# Shared helpers for the shell system tests: free ports, process cleanup, waiting for a log line, failing.
# Usage: . "$(dirname "$0")/lib.sh"
set -euo pipefail

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  # The first warnings name the cause; the last lines show where things ended (a flood can hide the former).
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $log: first warnings and errors" >&2
    grep -m 12 -E '^[0-9T:.-]+ (warning|error) ' "$log" >&2 || true
    echo "--- $log: last lines" >&2
    tail -n 30 "$log" >&2
  done
  exit 1
}

# A TCP port nobody listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for_log FILE PATTERN [SECONDS]
wait_for_log() {
  local file=$1 pattern=$2 limit=${3:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "no line matching '$pattern' in $file within ${limit}s"
}
