#!/usr/bin/env bash
# The container images, built and run for real: starts a private Docker engine when none answers, makes a local
# Debian bookworm base image with debootstrap (no registry is reachable; cached once made), builds
# docker/Dockerfile for amd64 and arm64, and runs containers with host networking:
#   a hub, which makes the enrollment tokens (`docker exec <hub> portico token`); an outlet (amd64, enrolled as
#   role=device) in front of python3 -m http.server on the host; an inlet (role=operator) -> curl through it;
#   /metrics scraped during a transfer; Docker's HEALTHCHECK (`portico health`) reports healthy;
#   `docker stop` on the outlet exits 0 within 10 s (measured);
#   then the arm64 image, run under qemu binfmt, replaces the outlet on the same /data volume: same identity,
#   same relay, curl through the inlet again.
# Prints each image's size (goal: at most 5 MB).
#   tests/docker/docker_test.sh           (as root; needs a Debian mirror for debootstrap and apt)
# Skips with a loud message when not root or when no docker binary can be had; under CI=true it fails instead.
# Environment: PORTICO_DOCKER_KEEP=1 keeps the private engine running afterwards (its data root caches layers).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
skip() {
  if [ "${CI:-}" = true ]; then echo "FAIL: docker test cannot run under CI: $*" >&2; exit 1; fi
  echo "################################################################################"
  echo "## SKIPPED: docker image test: $*"
  echo "################################################################################"
  exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (a private dockerd, binfmt registration)"
DOCKER=1 scripts/deps.sh || skip "could not install docker.io, debootstrap and qemu-user-static"
command -v docker >/dev/null && command -v dockerd >/dev/null || skip "no docker binary"

base_image=portico-bookworm:base
socket=/run/portico-docker.sock
tag=portico-test-$$
work=$(mktemp -d)
containers=() volumes=() pids=()
started_dockerd=
cleanup() {
  set +e
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
  for v in "${volumes[@]}"; do docker volume rm -f "$v" >/dev/null 2>&1; done
  docker rmi "$tag:amd64" "$tag:arm64" >/dev/null 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "$started_dockerd" ] && [ -z "${PORTICO_DOCKER_KEEP:-}" ]; then
    kill "$started_dockerd" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for c in "${containers[@]}"; do echo "--- docker logs $c" >&2; docker logs --tail 20 "$c" 2>&1 | sed 's/^/    /' >&2; done
  [ -f "$work/dockerd.log" ] && { echo "--- dockerd" >&2; tail -n 10 "$work/dockerd.log" >&2; }
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- a Docker engine: the one DOCKER_HOST or the default socket names, else our own (stopped at the end).
if ! docker info >/dev/null 2>&1; then
  export DOCKER_HOST=unix://$socket
  if ! docker info >/dev/null 2>&1; then
    for driver in overlay2 vfs; do
      dockerd --iptables=false --bridge=none --host "unix://$socket" --data-root /var/lib/portico-docker \
        --exec-root /run/portico-docker --pidfile /run/portico-docker.pid --storage-driver "$driver" \
        >"$work/dockerd.log" 2>&1 &
      started_dockerd=$!
      for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
      docker info >/dev/null 2>&1 && break
      kill "$started_dockerd" 2>/dev/null; wait "$started_dockerd" 2>/dev/null || true; started_dockerd=
    done
    [ -n "$started_dockerd" ] || fail "dockerd did not start (overlay2 nor vfs)"
    echo "started a private dockerd (pid $started_dockerd, $(docker info -f '{{.Driver}}') storage) on $socket"
  fi
fi

# --- qemu binfmt for arm64 (flag F: the interpreter is opened now, so it works inside containers)
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [ -f "$conf" ] || fail "no $conf (qemu-user-static)"
  grep -q ':[A-Z]*F[A-Z]*$' "$conf" || fail "$conf has no F flag"
  cat "$conf" >/proc/sys/fs/binfmt_misc/register
  echo "registered qemu-aarch64 with binfmt_misc from $conf"
fi

# --- the base image, made once
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  t=$(now)
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; fail "debootstrap failed"; }
  tar -C "$work/rootfs" -c . | docker import - "$base_image" >/dev/null
  rm -rf "$work/rootfs"
  echo "made $base_image with debootstrap in $(since "$t") s"
else
  echo "reusing $base_image"
fi

# --- the images: both builds at once (their apt steps wait on the network, their compiles on the CPUs)
size_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.2f", $1 / 1e6 }'; }
t=$(now) builds=()
for arch in amd64 arm64; do
  ( t0=$(now)
    docker build -q --network host -f docker/Dockerfile --build-arg BASE_IMAGE="$base_image" \
      --build-arg TARGETARCH="$arch" --build-arg REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
      -t "$tag:$arch" . >"$work/build-$arch.log" 2>&1
    echo "$? $(since "$t0")" >"$work/build-$arch.done" ) &
  builds+=($!)
done
wait "${builds[@]}"
echo "docker build amd64 and arm64 side by side: $(since "$t") s"
for arch in amd64 arm64; do
  read -r rc took <"$work/build-$arch.done"
  [ "$rc" = 0 ] || { tail -n 30 "$work/build-$arch.log"; fail "docker build $arch failed"; }
  size=$(size_mb "$tag:$arch")
  echo "image $arch: $size MB (goal <= 5 MB), built in $took s"
  awk -v s="$size" 'BEGIN { exit !(s <= 5) }' || fail "the $arch image is $size MB, over the 5 MB goal"
done
docker image inspect -f '{{json .Config.Healthcheck.Test}} {{.Config.StopSignal}} {{json .Config.Entrypoint}}' \
  "$tag:amd64" | grep -q 'portico","health"\] SIGTERM \["/usr/local/bin/portico"\]' || fail "image config"

# --- containers on the host network
hub_port=$(free_port) web_port=$(free_port) in_port=$(free_port) hub_m=$(free_port) out_m=$(free_port) in_m=$(free_port)
mkdir -p "$work/site"
head -c 300000 /dev/urandom >"$work/site/page"
head -c 48000000 /dev/urandom >"$work/site/big"
python3 -m http.server --bind 127.0.0.1 "$web_port" --directory "$work/site" >"$work/http.log" 2>&1 &
pids+=($!)
data=$tag-data
docker volume create "$data" >/dev/null; volumes+=("$data")
run() { # run NAME IMAGE [VAR=VALUE | --docker-option=value]...: detached, host network, health checked each second
  local name=$tag-$1 image=$2 args=() a; shift 2
  for a in "$@"; do case $a in -*) args+=("$a") ;; *) args+=(-e "$a") ;; esac; done
  docker run -d --name "$name" --network host --health-interval 1s --health-start-period 60s "${args[@]}" \
    "$image" >/dev/null
  containers+=("$name")
}
wait_healthy() { # wait_healthy NAME SECONDS
  local status i
  for ((i = 0; i < $2 * 5; i++)); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$tag-$1")
    [ "$status" = healthy ] && return 0
    sleep 0.2
  done
  fail "$1 is '$status', not healthy, after $2 s: $(docker inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$tag-$1" | tail -n 1)"
}
metric() { curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2 }'; }

run hub "$tag:amd64" OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_METRICS=127.0.0.1:$hub_m
wait_healthy hub 20
# Enrollment tokens, made inside the hub's container with its data dir (the image's PATH finds portico).
device_token=$(docker exec "$tag-hub" portico token --uses 10 role=device) || fail "portico token in the hub failed"
operator_token=$(docker exec "$tag-hub" portico token role=operator) || fail "portico token in the hub failed"
outlet_env=(OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$web_port OCKAM_RELAY=web-$$ OCKAM_METRICS=127.0.0.1:$out_m
            OCKAM_ENROLL="$device_token")
run outlet "$tag:amd64" --volume="$data:/data" "${outlet_env[@]}"
run inlet "$tag:amd64" OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=web-$$ \
  OCKAM_METRICS=127.0.0.1:$in_m OCKAM_ENROLL="$operator_token"
wait_healthy outlet 20
wait_healthy inlet 20
echo "health: hub, outlet and inlet healthy ($(docker inspect -f '{{(index .State.Health.Log 0).Output}}' "$tag-outlet" | head -n 1))"
docker logs "$tag-outlet" 2>&1 | grep -q "outlet ready: relay \"web-$$\"" || fail "no 'outlet ready' line in the outlet's log"
lines_ready=$(docker logs "$tag-outlet" 2>&1 | wc -l)

curl -sf --max-time 20 -o "$work/got" "http://127.0.0.1:$in_port/page" || fail "curl through the inlet failed"
cmp -s "$work/got" "$work/site/page" || fail "the page that came through the portal differs"
echo "curl through the inlet: $(stat -c %s "$work/got") bytes, identical"

curl -sf --limit-rate 12M -o "$work/big" "http://127.0.0.1:$in_port/big" & curl_pid=$!
sleep 1.2
b1=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
open=$(metric "$out_m" portico_portal_open_streams)
sleep 1
b2=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
wait "$curl_pid" || fail "the 48 MB transfer through the inlet failed"
cmp -s "$work/big" "$work/site/big" || fail "the 48 MB file differs"
after_out=$(metric "$out_m" 'portico_portal_bytes_total{direction="in"}')
after_in=$(metric "$in_m" 'portico_portal_bytes_total{direction="out"}')
echo "metrics during a 48 MB transfer: outlet bytes in $b1 -> $b2 (1 s apart), open streams $open; after: outlet in $after_out, inlet out $after_in"
[ "$open" = 1 ] && [ "$b1" -gt 0 ] && [ "$b2" -gt "$b1" ] || fail "the metrics did not show the bytes moving"
[ "$after_out" = "$after_in" ] && [ "$after_out" -ge 48000000 ] || fail "bytes after the transfer"
[ "$(metric "$hub_m" portico_relays_registered)" = 1 ] || fail "the hub's metrics show no relay"
# Concise logs (balena's dashboard keeps 1000 lines): streams log nothing at info, only the channel they share.
lines=$(docker logs "$tag-outlet" 2>&1 | wc -l)
echo "outlet log: $lines_ready lines at ready, $lines after 2 streams and 48 MB"
[ $((lines - lines_ready)) -le 3 ] || fail "the outlet logged $((lines - lines_ready)) lines for 2 streams: too chatty"

identity() { docker logs "$1" 2>&1 | sed -n 's/.*identity \(I[0-9a-f]*\).*/\1/p' | head -n 1; }
amd64_identity=$(identity "$tag-outlet")
t=$(now)
docker stop -t 10 "$tag-outlet" >/dev/null
stop_s=$(since "$t")
code=$(docker inspect -f '{{.State.ExitCode}}' "$tag-outlet")
echo "docker stop on the outlet: exit $code after $stop_s s (limit 10 s)"
[ "$code" = 0 ] || fail "the outlet exited $code after docker stop"
awk -v s="$stop_s" 'BEGIN { exit !(s < 10) }' || fail "docker stop took $stop_s s"

# --- the arm64 image as the outlet, under qemu, on the same /data volume
run outlet-arm64 "$tag:arm64" --volume="$data:/data" "${outlet_env[@]}"
wait_healthy outlet-arm64 60
docker logs "$tag-outlet-arm64" 2>&1 | grep -q "platform: .*, aarch64, " || fail "the arm64 outlet is not running as aarch64"
[ "$(identity "$tag-outlet-arm64")" = "$amd64_identity" ] || fail "the identity did not survive the container change"
# The inlet still holds its end-to-end channel to the outlet process that was stopped; today its first stream
# after the outlet's restart waits out the 10 s open timeout, which closes that channel, and the next stream makes
# a new one. Said loudly here rather than hidden; the second attempt must work.
t=$(now)
if ! curl -sf --max-time 30 -o "$work/got-arm" "http://127.0.0.1:$in_port/page"; then
  echo "NOTE: the first stream after the outlet's restart failed after $(since "$t") s (stale end-to-end channel); retrying"
  curl -sf --max-time 30 -o "$work/got-arm" "http://127.0.0.1:$in_port/page" || fail "curl through the arm64 outlet failed"
fi
cmp -s "$work/got-arm" "$work/site/page" || fail "the page through the arm64 outlet differs"
t=$(now); docker stop -t 10 "$tag-outlet-arm64" >/dev/null; arm_stop=$(since "$t")
[ "$(docker inspect -f '{{.State.ExitCode}}' "$tag-outlet-arm64")" = 0 ] || fail "the arm64 outlet did not exit 0"
echo "arm64 outlet under qemu: healthy, same identity $amd64_identity and relay web-$$ from /data, curl ok, stopped in $arm_stop s"
echo "docker test passed"
