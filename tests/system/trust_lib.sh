# shellcheck shell=bash
# Helpers for the trust-boundary tests, on top of portal_lib.sh: the hostile member (tests/tools/member_attack)
# and a few probes. Usage: . "$(dirname "$0")/trust_lib.sh"   (with the portico binary as $1, member_attack as $2)
. "$(dirname "$0")/portal_lib.sh"
attack_bin=$2
[ -x "$attack_bin" ] || fail "no member_attack binary at '$attack_bin'"

# identity_of LOG: the identifier an agent printed at start.
identity_of() { sed -n 's/.* identity \(I[0-9a-f]\{64\}\)$/\1/p' "$1" | head -1; }

# attack NAME HUB_PORT TOKEN|- ACTION ARGS...: member_attack with its identity in $work/data-NAME, output
# appended to $work/NAME.out; returns its exit code.
attack() {
  local name=$1 port=$2; shift 2
  set +e; "$attack_bin" "127.0.0.1:$port" "$work/data-$name" "$@" >>"$work/$name.out" 2>&1; local rc=$?; set -e
  return $rc
}

# fetch PORT: the marker file through an inlet, retried for up to 20 s (an end-to-end channel may be reopening).
fetch() {
  local port=$1 i
  for ((i = 0; i < 40; i++)); do
    if curl -sf --max-time 5 -o "$work/got" "http://127.0.0.1:$port/secret.txt" && cmp -s "$work/got" "$work/www/secret.txt"; then
      return 0
    fi
    sleep 0.5
  done
  fail "the file did not come through the inlet on port $port within 20 s"
}

# hub_channel_of LOG IDENTIFIER: the hub's channel (decryptor) with that identity, from the hub's log.
hub_channel_of() { sed -n "s/.*secure channel \(sc-[0-9a-f]*\) established with $2 .*/\1/p" "$1" | tail -1; }

# serve_files: an HTTP server on $web with secret.txt holding a marker.
serve_files() {
  mkdir -p "$work/www"
  { head -c 100000 /dev/urandom | base64; echo "MARKER-$RANDOM"; } >"$work/www/secret.txt"
  python3 -m http.server --bind 127.0.0.1 "$web" --directory "$work/www" >"$work/http.log" 2>&1 & pids+=($!)
  wait_port "$web"
}
