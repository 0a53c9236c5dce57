#!/usr/bin/env bash
# The static release binary finds its hub by name with nothing beside it, as in a `scratch` container: glibc
# 2.36 has its files and dns NSS modules built in, so /etc/hosts and /etc/resolv.conf (which Docker and balena
# write into every container) are all it needs.
#   static_resolve_test.sh STATIC_PORTICO
# Runs the outlet chrooted in a tree holding only the binary and those two files, inside a private network
# namespace with a DNS responder on 127.0.0.1:53 (tests/system/dns_responder.py). Needs root (skips otherwise).
set -euo pipefail
if [ -z "${PORTICO_IN_NETNS:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! unshare --net true 2>/dev/null; then
    [ "${CI:-}" = true ] && { echo "FAIL: static resolver test needs root and network namespaces" >&2; exit 1; }
    echo "SKIPPED: static resolver test needs root and network namespaces (chroot, unshare --net)"
    exit 0
  fi
  exec unshare --net env PORTICO_IN_NETNS=1 "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
ip link set lo up
portico=$(realpath "$1")
[[ $(file -b "$portico") == *"statically linked"* ]] || fail "$portico is not statically linked"

tree=$work/tree
mkdir -p "$tree/etc" "$tree/data"
cp "$portico" "$tree/portico"
echo "nameserver 127.0.0.1" >"$tree/etc/resolv.conf"
echo "127.0.0.1 hub-by-file.portico.test" >"$tree/etc/hosts"

python3 "$(dirname "$0")/dns_responder.py" 53 >"$work/dns.log" 2>&1 & pids+=($!)
wait_for_log "$work/dns.log" "dns responder ready"
OCKAM_LISTEN=127.0.0.1:4000 OCKAM_DATA="$work/hub" "$portico" >"$work/hub.log" 2>&1 & pids+=($!)
wait_for_log "$work/hub.log" "hub listening"
token=$(OCKAM_DATA="$work/hub" "$portico" token --uses 3 2>/dev/null) || fail "portico token failed"

# outlet NAME: an outlet in the tree dialing NAME:4000, its relay named after NAME's first label; its log is $work/outlet-NAME.log.
outlet() {
  rm -rf "$tree/data/"*
  OCKAM_HUB=$1:4000 OCKAM_OUT=127.0.0.1:9 OCKAM_RELAY=${1%%.*} OCKAM_DATA=/data OCKAM_ENROLL=$token \
    chroot "$tree" /portico >"$work/outlet-$1.log" 2>&1 & pids+=($!)
}

outlet hub-by-file.portico.test
wait_for_log "$work/outlet-hub-by-file.portico.test.log" "outlet ready: relay \"hub-by-file\" on hub hub-by-file"
grep -qx "hub-by-file.portico.test" "$work/dns.log" && fail "the name in /etc/hosts was asked of DNS"
echo "hub found through /etc/hosts"
kill "${pids[-1]}"

outlet hub-by-dns.portico.test
wait_for_log "$work/outlet-hub-by-dns.portico.test.log" "outlet ready: relay \"hub-by-dns\" on hub hub-by-dns"
grep -qx "hub-by-dns.portico.test" "$work/dns.log" || fail "the DNS responder never answered hub-by-dns.portico.test"
grep -q "cannot resolve\|unknown host" "$work/outlet-hub-by-dns.portico.test.log" && fail "the first lookup of hub-by-dns failed"
echo "hub found through DNS (/etc/resolv.conf)"
kill "${pids[-1]}"

# A name nobody knows: one line naming the variable, and the start-up error's exit code.
rc=0
OCKAM_HUB=nowhere.example:4000 OCKAM_OUT=127.0.0.1:9 OCKAM_DATA=/data OCKAM_ENROLL=$token \
  chroot "$tree" /portico >"$work/unknown.log" 2>&1 || rc=$?
grep -q "OCKAM_HUB: unknown host 'nowhere.example'" "$work/unknown.log" || fail "no unknown-host error: $(cat "$work/unknown.log")"
[ "$rc" -eq 11 ] || fail "exit code $rc for an unknown hub host, not 11"
echo "static resolver test passed: /etc/hosts, DNS and an unknown name, with no libc beside the binary"
