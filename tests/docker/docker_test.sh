#!/usr/bin/env bash
# The container images and the balenaBlock, built and run for real: starts a private Docker engine when none answers,
# makes a local Debian bookworm base image with debootstrap (no registry is reachable; cached once made; tagged
# debian:bookworm-slim in a private engine, so the balena template's FROM finds it), then:
#   - builds docker/Dockerfile for amd64 (the build machine's own: no arguments), arm64 and arm/v7 (TARGETARCH,
#     TARGETVARIANT as buildx sets them), side by side;
#   - builds the block as balena would (a fleet project with this repository as portico/ and
#     balena/docker-compose.source.yml as its compose file; Dockerfile.template with %%BALENA_ARCH%% replaced by
#     aarch64, armv7hf and amd64, the context portico/) and runs `portico version` from each (ARM under qemu);
#   - runs containers with host networking: a hub, which makes the enrollment tokens (`docker exec <hub> portico
#     token`); an outlet (amd64, role=device) in front of python3 -m http.server on the host; an inlet
#     (role=operator) -> curl through it; /metrics during a transfer; Docker's HEALTHCHECK; `docker stop` exit 0
#     within 10 s; the arm64 and then the armv7 image as the outlet under qemu on the same /data volume (same
#     identity, same relay, curl through the inlet);
#   - the block unconfigured under `restart: always`: one line, no restart, healthy (idle);
#   - two outlet services on one device (BALENA_SERVICE_NAME) register distinct default relay names;
#   - the hub stopped for 2 minutes: the outlet and the inlet stay healthy and serve again when it returns;
#   - the amd64 .deb (CPack, from the image's build stage) installed in a Debian container: `systemd-analyze
#     verify` on its units, then the unit started under systemd as PID 1 (skipped with a NOTE where the kernel's
#     cgroups do not let systemd boot in a container).
# Prints each image's size (goal: at most 5 MB) and how long each part took.
#   tests/docker/docker_test.sh           (as root; needs a Debian mirror for debootstrap and apt)
# Skips with a loud message when not root or when no docker binary can be had; under CI=true it fails instead.
# Environment: PORTICO_DOCKER_KEEP=1 keeps the private engine running afterwards (its data root caches layers);
# PORTICO_DOCKER_BINARIES=DIR copies each image's static binary there as portico-amd64, -arm64, -armv7;
# PORTICO_HUB_OUTAGE=SECONDS shortens the hub outage (default 120) when iterating locally.
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
  docker rmi "$tag:amd64" "$tag:arm64" "$tag:armv7" "$tag:build-amd64" "$tag:deb" >/dev/null 2>&1
  for arch in aarch64 armv7hf amd64; do docker rmi "$tag:balena-$arch" >/dev/null 2>&1; done
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

# --- qemu binfmt for arm64 and arm (flag F: the interpreter is opened now, so it works inside containers)
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
for qemu in qemu-aarch64 qemu-arm; do
  if [ ! -e /proc/sys/fs/binfmt_misc/$qemu ]; then
    conf=/usr/lib/binfmt.d/$qemu.conf
    [ -f "$conf" ] || fail "no $conf (qemu-user-static)"
    grep -q ':[A-Z]*F[A-Z]*$' "$conf" || fail "$conf has no F flag"
    cat "$conf" >/proc/sys/fs/binfmt_misc/register
    echo "registered $qemu with binfmt_misc from $conf"
  fi
done

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

# The balena template builds FROM debian:bookworm-slim: in a private engine, that is the debootstrap image.
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then docker tag "$base_image" debian:bookworm-slim; fi
[ "$(docker image inspect -f '{{.Id}}' debian:bookworm-slim)" = "$(docker image inspect -f '{{.Id}}' "$base_image")" ] ||
  echo "NOTE: debian:bookworm-slim is not $base_image here: the balena builds below share no layers with docker/Dockerfile's"

# --- docker/Dockerfile: three targets at once (their apt steps wait on the network, their compiles on the CPUs)
size_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.2f", $1 / 1e6 }'; }
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
version=$(sed -n 's/^project(portico VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt)
t=$(now) builds=()
for arch in amd64 arm64 armv7; do
  case $arch in
    amd64) args=() ;;                                   # the build machine's own architecture
    arm64) args=(--build-arg TARGETARCH=arm64) ;;
    armv7) args=(--build-arg TARGETARCH=arm --build-arg TARGETVARIANT=v7) ;;
  esac
  ( t0=$(now)
    docker build -q --network host -f docker/Dockerfile --build-arg BASE_IMAGE=debian:bookworm-slim "${args[@]}" \
      --build-arg REVISION="$revision" -t "$tag:$arch" . >"$work/build-$arch.log" 2>&1
    echo "$? $(since "$t0")" >"$work/build-$arch.done" ) &
  builds+=($!)
done
wait "${builds[@]}"
echo "docker build amd64, arm64 and armv7 side by side: $(since "$t") s"
for arch in amd64 arm64 armv7; do
  read -r rc took <"$work/build-$arch.done"
  [ "$rc" = 0 ] || { tail -n 30 "$work/build-$arch.log"; fail "docker build $arch failed"; }
  size=$(size_mb "$tag:$arch")
  echo "image $arch: $size MB (goal <= 5 MB), built in $took s"
  awk -v s="$size" 'BEGIN { exit !(s <= 5) }' || fail "the $arch image is $size MB, over the 5 MB goal"
  labels=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "org.opencontainers.image.revision"}} {{index .Config.Labels "org.opencontainers.image.licenses"}}' "$tag:$arch")
  [ "$labels" = "$version $revision Apache-2.0" ] || fail "the $arch image's labels say '$labels'"
done
docker image inspect -f '{{json .Config.Healthcheck.Test}} {{.Config.StopSignal}} {{json .Config.Entrypoint}}' \
  "$tag:amd64" | grep -q 'portico","health"\] SIGTERM \["/usr/local/bin/portico"\]' || fail "image config"
expect_machine() { # expect_machine IMAGE WORD: `portico version` and the platform line, run in IMAGE (qemu for ARM)
  local got
  got=$(docker run --rm --network none "$1" version) || fail "portico version in $1 failed"
  [ "$got" = "portico $version" ] || fail "portico version in $1 said '$got', expected 'portico $version'"
}
for arch in amd64 arm64 armv7; do expect_machine "$tag:$arch"; done

# --- the block as balena builds it: a fleet project with the sources as portico/ (balena/docker-compose.source.yml)
t=$(now)
project=$work/fleet
mkdir -p "$project/portico"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c | tar -x -C "$project/portico"
cp balena/docker-compose.source.yml "$project/docker-compose.yml"
context=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["services"]["portico"]["build"])' \
  "$project/docker-compose.yml" 2>/dev/null || sed -n 's/^ *build: *//p' "$project/docker-compose.yml")
[ "$context" = ./portico ] || fail "the from-source example builds '$context', not ./portico"
for arch in aarch64 armv7hf amd64; do
  # balena's builder: the template beside the context's root, %%BALENA_ARCH%% replaced, built as Dockerfile.
  sed "s/%%BALENA_ARCH%%/$arch/g" "$project/portico/Dockerfile.template" >"$work/Dockerfile.$arch"
  ! grep -q '%%' "$work/Dockerfile.$arch" || fail "a placeholder is left in the template for $arch"
  docker build -q --network host -f "$work/Dockerfile.$arch" -t "$tag:balena-$arch" "$project/$context" \
    >"$work/balena-$arch.log" 2>&1 || { tail -n 30 "$work/balena-$arch.log"; fail "the balena build for $arch failed"; }
  case $arch in aarch64) same=arm64 ;; armv7hf) same=armv7 ;; amd64) same=amd64 ;; esac
  expect_machine "$tag:balena-$arch"
  for i in "$tag:balena-$arch" "$tag:$same"; do
    docker create --name "$tag-cp" "$i" >/dev/null && docker cp "$tag-cp:/usr/local/bin/portico" "$work/bin-$arch" &&
      docker rm "$tag-cp" >/dev/null || fail "cannot copy the binary out of $i"
    sha256sum "$work/bin-$arch" | cut -d' ' -f1 >>"$work/sums-$arch"
  done
  file -b "$work/bin-$arch" | grep -q "statically linked" || fail "balena $arch: not static"
  [ "$(sort -u "$work/sums-$arch" | wc -l)" = 1 ] || echo "NOTE: balena $arch binary differs from docker/Dockerfile's $same"
  echo "balena build $arch: $(size_mb "$tag:balena-$arch") MB, $(file -b "$work/bin-$arch" | cut -d, -f1-2), portico version ok"
  # The images' static binaries, for the checks scripts/test.sh runs on them afterwards (docker/Dockerfile's).
  if [ -n "${PORTICO_DOCKER_BINARIES:-}" ]; then
    mkdir -p "$PORTICO_DOCKER_BINARIES"
    cp "$work/bin-$arch" "$PORTICO_DOCKER_BINARIES/portico-$same"
  fi
done
echo "balena-equivalent builds of Dockerfile.template (aarch64, armv7hf, amd64) and runs: $(since "$t") s"

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
wait_ready() { # wait_ready NAME SECONDS: `portico health --ready` in the container (hub link up, relay registered)
  local line i
  for ((i = 0; i < $2 * 5; i++)); do
    line=$(docker exec "$tag-$1" portico health --ready 2>&1) && return 0
    sleep 0.2
  done
  fail "$1 is not ready after $2 s: $line"
}
logs_have() { # logs_have CONTAINER REGEX: the container's log has a matching line (no grep -q on a pipe: SIGPIPE)
  local text
  text=$(docker logs "$1" 2>&1)
  grep -qE "$2" <<<"$text"
}
metric() { curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2 }'; }

run hub "$tag:amd64" OCKAM_LISTEN=127.0.0.1:$hub_port OCKAM_METRICS=127.0.0.1:$hub_m
wait_healthy hub 20
# Enrollment tokens, made inside the hub's container with its data dir (the image's PATH finds portico).
device_token=$(docker exec "$tag-hub" portico token --uses 10 role=device) || fail "portico token in the hub failed"
operator_token=$(docker exec "$tag-hub" portico token role=operator) || fail "portico token in the hub failed"
# OCKAM_P2P=off: what this shows is the relay path through the images (on one host the two agents would find a
# direct path over its own address); direct paths have their own tests (tests/system/direct_path_test.sh).
outlet_env=(OCKAM_HUB=127.0.0.1:$hub_port OCKAM_OUT=127.0.0.1:$web_port OCKAM_RELAY=web-$$ OCKAM_METRICS=127.0.0.1:$out_m
            OCKAM_ENROLL="$device_token" OCKAM_P2P=off)
run outlet "$tag:amd64" --volume="$data:/data" "${outlet_env[@]}"
run inlet "$tag:amd64" OCKAM_HUB=127.0.0.1:$hub_port OCKAM_IN=127.0.0.1:$in_port OCKAM_FORWARD=web-$$ \
  OCKAM_METRICS=127.0.0.1:$in_m OCKAM_ENROLL="$operator_token" OCKAM_P2P=off
wait_healthy outlet 20
wait_healthy inlet 20
wait_ready outlet 20
wait_ready inlet 20
echo "health: hub, outlet and inlet healthy ($(docker inspect -f '{{(index .State.Health.Log 0).Output}}' "$tag-outlet" | head -n 1))"
logs_have "$tag-outlet" "outlet ready: relay \"web-$$\"" || fail "no 'outlet ready' line in the outlet's log"
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
wait_ready outlet-arm64 60
logs_have "$tag-outlet-arm64" "platform: .*, aarch64, " || fail "the arm64 outlet is not running as aarch64"
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

# --- the armv7 image as the outlet, under qemu-arm, on the same volume: one request through it
run outlet-armv7 "$tag:armv7" --volume="$data:/data" "${outlet_env[@]}"
wait_healthy outlet-armv7 60
wait_ready outlet-armv7 60
logs_have "$tag-outlet-armv7" "platform: .*, armv7" || fail "the armv7 outlet is not running as armv7: $(docker logs "$tag-outlet-armv7" 2>&1 | grep platform)"
t=$(now)
if ! curl -sf --max-time 30 -o "$work/got-armv7" "http://127.0.0.1:$in_port/page"; then
  echo "NOTE: the first stream after the outlet's restart failed after $(since "$t") s (stale end-to-end channel); retrying"
  curl -sf --max-time 30 -o "$work/got-armv7" "http://127.0.0.1:$in_port/page" || fail "curl through the armv7 outlet failed"
fi
cmp -s "$work/got-armv7" "$work/site/page" || fail "the page through the armv7 outlet differs"
echo "armv7 outlet under qemu-arm: ready, curl ok"
# Back to amd64 for the rest (the outage below counts seconds, which qemu would stretch).
docker rm -f "$tag-outlet-armv7" >/dev/null
docker start "$tag-outlet" >/dev/null
wait_ready outlet 20

# --- the block with no variables, as a fleet first gets it: one line, no restart loop, healthy (idle)
t=$(now)
docker run -d --name "$tag-unconfigured" --network host --restart always --health-interval 1s "$tag:balena-amd64" >/dev/null
containers+=("$tag-unconfigured")
for _ in $(seq 50); do [ "$(docker logs "$tag-unconfigured" 2>&1 | wc -l)" -ge 1 ] && break; sleep 0.2; done
for _ in $(seq 50); do [ "$(docker inspect -f '{{.State.Health.Status}}' "$tag-unconfigured")" = healthy ] && break; sleep 0.2; done
sleep 3  # a restart loop would have shown by now (the agent checks its variables in milliseconds)
state=$(docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.Health.Status}}' "$tag-unconfigured")
line=$(docker logs "$tag-unconfigured" 2>&1)
echo "unconfigured block: '$line'; state $state"
[ "$state" = "running 0 healthy" ] || fail "the unconfigured block is '$state', not 'running 0 healthy'"
[ "$(wc -l <<<"$line")" = 1 ] && [[ $line == *"none is set"*"idle until configured"* ]] || fail "unconfigured log: $line"
docker exec "$tag-unconfigured" portico health --ready >/dev/null && fail "an unconfigured block says it is ready"
docker run -d --name "$tag-disabled" --network host --restart always -e OCKAM_DISABLE=1 \
  -e OCKAM_HUB=127.0.0.1:$hub_port -e OCKAM_OUT=127.0.0.1:$web_port "$tag:balena-amd64" >/dev/null
containers+=("$tag-disabled")
for _ in $(seq 50); do logs_have "$tag-disabled" "OCKAM_DISABLE=1: disabled" && break; sleep 0.2; done
sleep 1
[ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$tag-disabled")" = "running 0" ] || fail "OCKAM_DISABLE=1 did not idle"
t0=$(now); docker stop -t 10 "$tag-unconfigured" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$tag-unconfigured")" = 0 ] || fail "the idle block did not exit 0 on stop"
echo "unconfigured and disabled blocks idle with one line, no restarts; docker stop in $(since "$t0") s; part took $(since "$t") s"

# --- two outlet services on one device, no OCKAM_RELAY: distinct default names <device uuid>-<service>
uuid=0123456789abcdef0123456789abcdef
for service in portico-a portico-b; do
  run "$service" "$tag:balena-amd64" --volume="$tag-$service:/data" OCKAM_HUB=127.0.0.1:$hub_port \
    OCKAM_OUT=127.0.0.1:$web_port OCKAM_ENROLL="$device_token" BALENA_DEVICE_UUID=$uuid BALENA_SERVICE_NAME=$service
  volumes+=("$tag-$service")
done
for service in portico-a portico-b; do
  wait_ready "$service" 30
  logs_have "$tag-$service" "outlet ready: relay \"$uuid-$service\"" ||
    fail "$service did not register $uuid-$service: $(docker logs "$tag-$service" 2>&1 | grep -i relay | tail -n 2)"
done
[ "$(metric "$hub_m" portico_relays_registered)" = 3 ] || fail "the hub does not hold 3 relays (web and two services)"
echo "two outlet services on one device: relays $uuid-portico-a and $uuid-portico-b, both registered"
for service in portico-a portico-b; do docker rm -f "$tag-$service" >/dev/null; done

# --- the hub stopped for 2 minutes: outlet and inlet stay healthy (no restarts), then serve again
outage=${PORTICO_HUB_OUTAGE:-120}
t=$(now)
docker stop -t 10 "$tag-hub" >/dev/null
worst=healthy
while awk -v a="$t" -v b="$(now)" -v o="$outage" 'BEGIN { exit !(b - a < o) }'; do
  for c in outlet inlet; do
    status=$(docker inspect -f '{{.State.Health.Status}} {{.RestartCount}} {{.State.Status}}' "$tag-$c")
    [ "$status" = "healthy 0 running" ] || { worst="$c: $status"; break 2; }
  done
  sleep 2
done
[ "$worst" = healthy ] || fail "during the hub outage $worst (after $(since "$t") s)"
docker exec "$tag-outlet" portico health --ready >/dev/null && fail "the outlet says ready with its hub stopped"
docker start "$tag-hub" >/dev/null
t0=$(now)
wait_ready outlet 30
wait_ready inlet 30
back=$(since "$t0")
curl -sf --max-time 20 -o "$work/got-after" "http://127.0.0.1:$in_port/page" ||
  curl -sf --max-time 20 -o "$work/got-after" "http://127.0.0.1:$in_port/page" || fail "curl after the hub came back failed"
cmp -s "$work/got-after" "$work/site/page" || fail "the page after the outage differs"
echo "hub stopped $outage s: outlet and inlet healthy throughout, no restarts; ready again $back s after it returned; curl ok; part took $(since "$t") s"

# --- the .deb (CPack, amd64) in a Debian container: install, systemd-analyze verify, start under systemd
t=$(now)
docker build -q --network host -f docker/Dockerfile --build-arg BASE_IMAGE=debian:bookworm-slim --target build \
  -t "$tag:build-amd64" . >"$work/build-stage.log" 2>&1 || { tail -n 20 "$work/build-stage.log"; fail "build stage"; }
mkdir -p "$work/deb"
docker run --rm --network none -v "$work/deb:/deb" "$tag:build-amd64" sh -c 'cp /out-deb/*.deb /deb/' ||
  fail "no .deb in the build stage"
deb=$(cd "$work/deb" && ls portico_*_amd64.deb) || fail "no portico_*_amd64.deb: $(ls "$work/deb")"
echo "package: $deb ($(stat -c %s "$work/deb/$deb") bytes)"
cat >"$work/deb/install.sh" <<'INSTALL'
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends systemd systemd-sysv >/dev/null
dpkg -i /deb/portico_*_amd64.deb
portico version
getent passwd portico
systemd-analyze verify /lib/systemd/system/portico.service
ln -s /lib/systemd/system/portico@.service /etc/systemd/system/portico@pg.service
printf 'OCKAM_HUB=127.0.0.1:1\nOCKAM_OUT=127.0.0.1:2\n' >/etc/portico/pg.env
systemd-analyze verify /etc/systemd/system/portico@pg.service
echo 'OCKAM_LISTEN=127.0.0.1:4000' >>/etc/portico/portico.env
systemctl enable portico.service
INSTALL
docker run --name "$tag-deb-install" --network host -v "$work/deb:/deb" "$base_image" bash /deb/install.sh \
  >"$work/deb.log" 2>&1 || { tail -n 20 "$work/deb.log"; docker rm -f "$tag-deb-install" >/dev/null; fail "installing $deb failed"; }
containers+=("$tag-deb-install")
grep -E "^portico [0-9]|^portico:" "$work/deb.log" | sed 's/^/  /'
echo "installed $deb; systemd-analyze verify: portico.service and portico@pg.service clean"
docker commit "$tag-deb-install" "$tag:deb" >/dev/null
docker run -d --name "$tag-systemd" --network none --tmpfs /run --tmpfs /run/lock \
  -v /sys/fs/cgroup:/sys/fs/cgroup:ro "$tag:deb" /lib/systemd/systemd >/dev/null
containers+=("$tag-systemd")
state=
for _ in $(seq 150); do
  state=$(docker exec "$tag-systemd" systemctl is-active portico.service 2>/dev/null) && break
  [ "$(docker inspect -f '{{.State.Status}}' "$tag-systemd")" = running ] || break
  sleep 0.2
done
if [ "$state" = active ]; then
  line=$(docker exec "$tag-systemd" runuser -u portico -- env OCKAM_LISTEN=127.0.0.1:4000 OCKAM_DATA=/var/lib/portico portico health --ready) ||
    fail "the packaged hub is not ready: $line"
  owner=$(docker exec "$tag-systemd" stat -c '%U %a' /var/lib/portico)
  [ "$owner" = "portico 700" ] || fail "/var/lib/portico is '$owner'"
  echo "portico.service under systemd: active (Type=notify), $line, state dir $owner"
else
  echo "NOTE: systemd did not start portico.service in a container here ('$state'; cgroups: $(stat -fc %T /sys/fs/cgroup)): only installed and verified"
  docker logs "$tag-systemd" 2>&1 | tail -n 5 | sed 's/^/    /'
  [ "${CI:-}" != true ] || [ "$(docker inspect -f '{{.State.Status}}' "$tag-systemd")" != running ] ||
    fail "systemd runs but portico.service is '$state': $(docker exec "$tag-systemd" journalctl -u portico --no-pager | tail -n 5)"
fi
echo ".deb part took $(since "$t") s"
echo "docker test passed"
