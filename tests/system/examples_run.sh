#!/usr/bin/env bash
# The library's examples, built against the installed package (package_test.sh), run for real with a portico hub:
#   function_service  registers "upper" (a function, no port); function_caller calls it over an end-to-end
#                     channel and must print the answer; a caller enrolled as a device (not role=operator) is
#                     refused and says why; the inlet example opens a local port to "upper" and a TCP client
#                     gets the answer through it. The hub's log shows no request text (it routes ciphertext).
#   examples_run.sh PORTICO EXAMPLES_BUILD_DIR
. "$(dirname "$0")/portal_lib.sh"
bin=$2
hub_port=$(free_port); in_port=$(free_port)
start_hub hub "$hub_port" hub
hub=127.0.0.1:$hub_port

"$bin/function_service" "$hub" "$work/data-service" "$hub_token" >"$work/service.out" 2>"$work/service.log" &
pids+=($!)
wait_for_log "$work/service.out" '^serving "upper"$' 20

out=$("$bin/function_caller" "$hub" "$work/data-caller" "secret words" "$operator_token" 2>"$work/caller.log") ||
  fail "function_caller exited $?: $(tail -3 "$work/caller.log")"
[ "$out" = "SECRET WORDS" ] || fail "function_caller printed '$out'"
caller_id=$(OCKAM_DATA="$work/data-caller" "$portico" identity)
wait_for_log "$work/service.out" "^request from $caller_id$"
# Once enrolled, the stored credential serves: no token the second time.
out=$("$bin/function_caller" "$hub" "$work/data-caller" again 2>>"$work/caller.log") || fail "second call exited $?"
[ "$out" = "AGAIN" ] || fail "the second call printed '$out'"

# A device's credential (role=device) does not reach a service that allows role=operator (the default).
set +e
"$bin/function_caller" "$hub" "$work/data-device" "let me in" "$hub_token" >"$work/device.out" 2>"$work/device.log"
rc=$?
set -e
[ "$rc" = 1 ] && [ ! -s "$work/device.out" ] || fail "a device's call gave exit $rc: $(cat "$work/device.out")"
grep -qE "function_caller: .*(lacks a required attribute|not allowed)" "$work/device.log" || fail "the refused call does not say why: $(cat "$work/device.log")"

# The inlet example: a TCP client through a local port to the same function.
"$bin/inlet" "$hub" "$work/data-inlet" "127.0.0.1:$in_port" upper "$operator_token" >"$work/inlet.out" 2>"$work/inlet.log" &
pids+=($!)
wait_for_log "$work/inlet.out" "^listening on 127.0.0.1:$in_port" 20
tcp_out=$(python3 - "$in_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s.sendall(b"through a port")
s.shutdown(socket.SHUT_WR)
data = b""
while chunk := s.recv(65536):
    data += chunk
print(data.decode())
PY
) || fail "the TCP client through the inlet example failed"
[ "$tcp_out" = "THROUGH A PORT" ] || fail "through the inlet example: '$tcp_out'"

! grep -q "secret words\|through a port" "$work/hub.log" || fail "the hub logged a request's text"
echo "examples_run: function_service answered function_caller ($out) and a TCP client through the inlet example; a device was refused"
