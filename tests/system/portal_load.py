#!/usr/bin/env python3
"""Servers and clients for the portal system tests (stdlib only).

Every mode is bounded in time, prints one result line on success and exits 0, or prints a line starting with
"ERROR" on stderr and exits 1. Data streams are deterministic: chunk i of a stream with seed S is the index i
(8 bytes) followed by a shifting window of a SHAKE-256 block derived from S, so lost, duplicated or reordered data
changes the SHA-256.

Modes (see each function): bulk-server, bulk-client, echo-server, concurrent-client, source-server, read-client,
half-close-server, half-close-client, expect-close, rss, watch-restart.
"""

import argparse
import asyncio
import hashlib
import os
import re
import signal
import socket
import sys
import threading
import time

CHUNK = 1 << 20
WINDOW = 4096


def die(message):
    print(f"ERROR {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def log(message):
    print(message, flush=True)


class Stream:
    """A deterministic pseudo-random byte stream of a given length."""

    def __init__(self, seed, total):
        self.base = hashlib.shake_256(f"portico-portal-{seed}".encode()).digest(CHUNK + WINDOW)
        self.total = total

    def chunk(self, i):
        offset = (i * 2654435761) % WINDOW
        return i.to_bytes(8, "big") + self.base[offset + 8:offset + CHUNK]

    def chunks(self):
        sent, i = 0, 0
        while sent < self.total:
            c = self.chunk(i)
            if self.total - sent < len(c):
                c = c[:self.total - sent]
            yield c
            sent += len(c)
            i += 1


def stream_prefix_sha(seed, length):
    """SHA-256 of the first `length` bytes of stream `seed`."""
    digest = hashlib.sha256()
    for c in Stream(seed, length).chunks():
        digest.update(c)
    return digest.hexdigest()


def listen(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(512)
    return server


def serve_forever(port, handler):
    server = listen(port)
    log(f"listening on 127.0.0.1:{port}")
    count = 0
    while True:
        conn, _ = server.accept()
        count += 1
        threading.Thread(target=handler, args=(conn, count), daemon=True).start()


def write_atomic(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def send_stream(sock, stream, result):
    """Sends the stream, hashing it, then half-closes; result gets bytes, sha, seconds."""
    start = time.monotonic()
    digest = hashlib.sha256()
    sent = 0
    try:
        for c in stream.chunks():
            sock.sendall(c)
            digest.update(c)
            sent += len(c)
        sock.shutdown(socket.SHUT_WR)
        result["error"] = None
    except OSError as e:
        result["error"] = f"send failed after {sent} bytes: {e!r}"
    result.update(bytes=sent, sha=digest.hexdigest(), seconds=time.monotonic() - start)


def receive_all(sock, result):
    """Receives until EOF, hashing; result gets bytes, sha, seconds."""
    start = time.monotonic()
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    received = 0
    try:
        while True:
            n = sock.recv_into(buf)
            if n == 0:
                break
            digest.update(view[:n])
            received += n
        result["error"] = None
    except OSError as e:
        result["error"] = f"receive failed after {received} bytes: {e!r}"
    result.update(bytes=received, sha=digest.hexdigest(), seconds=time.monotonic() - start)


def both_ways(sock, stream):
    sent, received = {}, {}
    threads = [threading.Thread(target=send_stream, args=(sock, stream, sent)),
               threading.Thread(target=receive_all, args=(sock, received))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sent, received


def bulk_server(args):
    """Per connection: receive until EOF (SHA-256) while sending --bytes of stream --seed, then half-close.
    Writes 'received_bytes received_sha sent_bytes sent_sha' of the first connection to --result."""
    def handle(conn, number):
        with conn:
            sent, received = both_ways(conn, Stream(args.seed, args.bytes))
            errors = " ".join(e for e in (sent["error"], received["error"]) if e)
            line = f"{received['bytes']} {received['sha']} {sent['bytes']} {sent['sha']} {errors}".strip()
            log(f"connection {number}: {line}")
            if number == 1:
                write_atomic(args.result, line + "\n")
    serve_forever(args.port, handle)


def bulk_client(args):
    """Sends --bytes of stream --seed and half-closes while receiving until EOF; then checks both SHA-256s
    against what the server (in --result) says it received and sent."""
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    sock.settimeout(args.timeout)
    start = time.monotonic()
    sent, received = both_ways(sock, Stream(args.seed, args.bytes))
    elapsed = time.monotonic() - start
    sock.close()
    for e in (sent["error"], received["error"]):
        if e:
            die(e)
    deadline = time.monotonic() + 30
    while not os.path.exists(args.result):
        if time.monotonic() > deadline:
            die(f"server wrote no result to {args.result}")
        time.sleep(0.05)
    fields = open(args.result).read().split()
    server_received_bytes, server_received_sha = int(fields[0]), fields[1]
    server_sent_bytes, server_sent_sha = int(fields[2]), fields[3]
    if len(fields) > 4:
        die(f"server reported errors: {' '.join(fields[4:])}")
    if server_sent_bytes != args.server_bytes:
        die(f"server sent {server_sent_bytes} bytes, expected {args.server_bytes}")
    problems = []
    if server_received_bytes != sent["bytes"] or server_received_sha != sent["sha"]:
        problems.append(f"upstream: client sent {sent['bytes']} bytes sha256 {sent['sha']}, server received "
                        f"{server_received_bytes} bytes sha256 {server_received_sha}")
    if received["bytes"] != server_sent_bytes or received["sha"] != server_sent_sha:
        problems.append(f"downstream: server sent {server_sent_bytes} bytes sha256 {server_sent_sha}, client "
                        f"received {received['bytes']} bytes sha256 {received['sha']}")
    if problems:
        die("; ".join(problems))
    mb = 1e6
    log(f"bulk ok: up {sent['bytes']} bytes in {sent['seconds']:.2f}s "
        f"({sent['bytes'] / mb / sent['seconds']:.1f} MB/s),"
        f" down {received['bytes']} bytes in {received['seconds']:.2f}s "
        f"({received['bytes'] / mb / received['seconds']:.1f} MB/s), both ways "
        f"{(sent['bytes'] + received['bytes']) / mb / elapsed:.1f} MB/s total in {elapsed:.2f}s; "
        f"sha256 up {sent['sha'][:16]}.. down {received['sha'][:16]}..")


async def echo_handle(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.write_eof()
        await writer.drain()
        await reader.read()  # wait for the peer to close
    except OSError:
        pass
    finally:
        writer.close()


def echo_server(args):
    """Echoes every connection's bytes as they arrive; on EOF half-closes its side."""
    async def main():
        server = await asyncio.start_server(echo_handle, "127.0.0.1", args.port, backlog=1024)
        log(f"listening on 127.0.0.1:{args.port}")
        async with server:
            await server.serve_forever()
    asyncio.run(main())


def concurrent_client(args):
    """Opens --streams connections at once; each sends its own random payload, half-closes and must get exactly
    that payload back before EOF."""
    rng_sizes = [args.min + int.from_bytes(os.urandom(4), "big") % (args.max - args.min + 1)
                 for _ in range(args.streams)]
    payloads = [os.urandom(n) for n in rng_sizes]

    async def one(index, payload, connected, go):
        reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
        connected.append(index)
        await go.wait()
        start = time.monotonic()

        async def send():
            view = memoryview(payload)
            for offset in range(0, len(view), 65536):
                writer.write(view[offset:offset + 65536])
                await writer.drain()
            writer.write_eof()

        async def receive():
            parts = []
            while True:
                data = await reader.read(262144)
                if not data:
                    return b"".join(parts)
                parts.append(data)

        _, reply = await asyncio.gather(send(), receive())
        writer.close()
        return time.monotonic() - start, reply

    async def main():
        connected, go = [], asyncio.Event()
        tasks = [asyncio.create_task(one(i, p, connected, go)) for i, p in enumerate(payloads)]
        deadline = time.monotonic() + 20
        while len(connected) < args.streams and time.monotonic() < deadline:
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
        opened = len(connected)
        start = time.monotonic()
        go.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), args.timeout)
        return opened, time.monotonic() - start, results

    try:
        opened, elapsed, results = asyncio.run(main())
    except asyncio.TimeoutError:
        die(f"streams did not all finish within {args.timeout}s")
    failures = []
    latencies = []
    for i, (payload, result) in enumerate(zip(payloads, results)):
        if isinstance(result, BaseException):
            failures.append(f"stream {i}: {result!r}")
            continue
        seconds, reply = result
        latencies.append(seconds)
        if reply != payload:
            first = next((k for k in range(min(len(reply), len(payload))) if reply[k] != payload[k]),
                         min(len(reply), len(payload)))
            failures.append(f"stream {i}: sent {len(payload)} bytes, got {len(reply)} back, first difference at "
                            f"{first}")
    if failures:
        die(f"{len(failures)} of {args.streams} streams failed ({opened} were open at once): "
            + "; ".join(failures[:10]))
    total = sum(len(p) for p in payloads)
    log(f"concurrent ok: {args.streams} streams open at once, {total} bytes each way "
        f"({min(rng_sizes)}-{max(rng_sizes)} per stream) in {elapsed:.2f}s = {2 * total / 1e6 / elapsed:.1f} MB/s "
        f"both ways; per-stream time median {sorted(latencies)[len(latencies) // 2]:.2f}s max {max(latencies):.2f}s")


def source_server(args):
    """Per connection: sends --bytes of stream --seed, then closes. A client that goes away is fine."""
    def handle(conn, number):
        with conn:
            sent = 0
            try:
                for c in Stream(args.seed, args.bytes).chunks():
                    conn.sendall(c)
                    sent += len(c)
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
                log(f"connection {number}: sent all {sent} bytes")
            except OSError as e:
                log(f"connection {number}: stopped after {sent} bytes: {e!r}")
    serve_forever(args.port, handle)


def read_client(args):
    """Reads a source-server stream, at most --rate bytes/s (0: as fast as it can), for at most --duration seconds
    (0: until EOF), and checks that what it got is the start of that stream (SHA-256). With --expect-bytes, EOF
    must come after exactly that many bytes. With --until-closed, the connection ending early (EOF or reset) is the
    expected outcome. Writes 'bytes seconds' to --progress every 0.25s."""
    sock = socket.socket()
    if args.rate:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", args.port))
    sock.settimeout(args.timeout)
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    start = time.monotonic()
    last_progress = 0.0
    received = 0
    outcome = "duration"
    step = max(1, min(CHUNK, args.rate // 20)) if args.rate else CHUNK

    def progress():
        if args.progress:
            write_atomic(args.progress, f"{received} {time.monotonic() - start:.3f}\n")

    while True:
        now = time.monotonic()
        if args.duration and now - start >= args.duration:
            break
        if now - last_progress >= 0.25:
            progress()
            last_progress = now
        if args.rate:
            ahead = received / args.rate - (now - start)
            if ahead > 0:
                time.sleep(min(ahead, 0.05))
                continue
        try:
            n = sock.recv_into(buf, step)
        except socket.timeout:
            die(f"no data for {args.timeout}s after {received} bytes")
        except OSError as e:
            if args.until_closed:
                outcome = f"reset ({e.strerror})"
                break
            die(f"receive failed after {received} bytes: {e!r}")
        if n == 0:
            outcome = "eof"
            break
        digest.update(view[:n])
        received += n
    elapsed = time.monotonic() - start
    progress()
    sock.close()
    if digest.hexdigest() != stream_prefix_sha(args.seed, received):
        die(f"the {received} bytes received are not the stream the server sent (SHA-256 differs)")
    if args.until_closed and outcome == "duration":
        die(f"connection still open after {args.duration}s ({received} bytes)")
    if args.expect_bytes is not None and (outcome != "eof" or received != args.expect_bytes):
        die(f"ended by {outcome} after {received} bytes, expected EOF after {args.expect_bytes}")
    log(f"read {received} bytes in {elapsed:.3f}s = {received / 1e6 / elapsed:.2f} MB/s, ended by {outcome}")


def half_close_reply(request, reply_bytes):
    return (hashlib.sha256(request).hexdigest() + "\n").encode() + hashlib.shake_256(request).digest(reply_bytes)


def half_close_server(args):
    """Per connection: reads the whole request until EOF, then sends sha256-hex(request) + newline + --reply-bytes
    of SHAKE-256(request), half-closes, and waits for the client to close."""
    def handle(conn, number):
        with conn:
            conn.settimeout(60)
            parts = []
            try:
                while True:
                    data = conn.recv(CHUNK)
                    if not data:
                        break
                    parts.append(data)
                request = b"".join(parts)
                conn.sendall(half_close_reply(request, args.reply_bytes))
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
                log(f"connection {number}: request {len(request)} bytes, replied")
            except OSError as e:
                log(f"connection {number}: {e!r}")
    serve_forever(args.port, handle)


def half_close_client(args):
    """Sends --request-bytes of random data, shuts down its write side, reads the reply until EOF, checks it."""
    request = os.urandom(args.request_bytes)
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    sock.settimeout(args.timeout)
    start = time.monotonic()
    try:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        parts = []
        while True:
            data = sock.recv(CHUNK)
            if not data:
                break
            parts.append(data)
    except socket.timeout:
        die(f"timed out after {args.timeout}s waiting for the reply (the half-close did not reach the server?)")
    except OSError as e:
        die(f"{e!r}")
    elapsed = time.monotonic() - start
    sock.close()
    reply = b"".join(parts)
    expected = half_close_reply(request, args.reply_bytes)
    if reply != expected:
        head = reply[:65].decode(errors="replace").strip()
        die(f"reply of {len(reply)} bytes (starts '{head}') is not the expected {len(expected)} bytes "
            f"(starts '{expected[:64].decode()}')")
    log(f"half-close ok: request {len(request)} bytes, reply {len(reply)} bytes in {elapsed:.3f}s")


def expect_close(args):
    """Connects, sends a little, and expects the connection to be closed (EOF or reset) within --within seconds."""
    start = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    sock.settimeout(args.within)
    how = None
    try:
        sock.sendall(b"hello?\n")
        data = sock.recv(65536)
        while data:
            data = sock.recv(65536)
        how = "EOF"
    except socket.timeout:
        die(f"connection still open after {args.within}s")
    except OSError as e:
        how = f"error {e.strerror}"
    log(f"closed by {how} after {time.monotonic() - start:.3f}s")


def read_rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss(args):
    """Samples VmRSS (KiB) of each NAME=PID every --interval seconds, appending 'seconds name kib' to --out,
    until SIGTERM."""
    targets = [item.split("=", 1) for item in args.targets]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    start = time.monotonic()
    with open(args.out, "a") as out:
        while not stop.is_set():
            now = time.monotonic() - start
            for name, pid in targets:
                value = read_rss(pid)
                if value is not None:
                    out.write(f"{now:.2f} {name} {value}\n")
            out.flush()
            stop.wait(args.interval)


def watch_restart(args):
    """Polls two log files: the first line containing --listen in --listen-log, and the first time --reg-log has
    more than --reg-after lines containing --reg. Prints the delay between the two, measured with a clock and
    from the lines' own timestamps ('unknown' if they have none). Creates --ready once it is watching."""
    def lines(path):
        try:
            with open(path, errors="replace") as f:
                return f.read().splitlines()
        except OSError:
            return []

    def stamp(line):
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)", line)
        if not m:
            return None
        t = time.strptime(m.group(1).split(".")[0], "%Y-%m-%dT%H:%M:%S")
        fraction = float("0." + m.group(1).split(".")[1]) if "." in m.group(1) else 0.0
        return time.mktime(t) + fraction

    deadline = time.monotonic() + args.timeout
    listen_at = reg_at = listen_line = reg_line = None
    if args.ready:
        write_atomic(args.ready, "watching\n")
    while time.monotonic() < deadline and reg_at is None:
        now = time.monotonic()
        if listen_at is None:
            found = [l for l in lines(args.listen_log) if args.listen in l]
            if found:
                listen_at, listen_line = now, found[0]
        if listen_at is not None:
            found = [l for l in lines(args.reg_log) if args.reg in l]
            if len(found) > args.reg_after:
                reg_at, reg_line = now, found[args.reg_after]
        time.sleep(0.005)
    if listen_at is None:
        die(f"no '{args.listen}' in {args.listen_log} within {args.timeout}s")
    if reg_at is None:
        die(f"no new '{args.reg}' in {args.reg_log} within {args.timeout}s of the hub listening")
    clock = reg_at - listen_at
    a, b = stamp(listen_line), stamp(reg_line)
    from_stamps = f"{b - a:.3f}" if a is not None and b is not None else "unknown"
    log(f"{clock:.3f} {from_stamps}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)

    p = modes.add_parser("bulk-server")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--seed", default="server")
    p.add_argument("--result", required=True)
    p.set_defaults(run=bulk_server)

    p = modes.add_parser("bulk-client")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--server-bytes", type=int, required=True)
    p.add_argument("--seed", default="client")
    p.add_argument("--result", required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.set_defaults(run=bulk_client)

    p = modes.add_parser("echo-server")
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(run=echo_server)

    p = modes.add_parser("concurrent-client")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--streams", type=int, default=200)
    p.add_argument("--min", type=int, default=64 * 1024)
    p.add_argument("--max", type=int, default=512 * 1024)
    p.add_argument("--timeout", type=float, default=120)
    p.set_defaults(run=concurrent_client)

    p = modes.add_parser("source-server")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--seed", default="source")
    p.set_defaults(run=source_server)

    p = modes.add_parser("read-client")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seed", default="source")
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--duration", type=float, default=0)
    p.add_argument("--expect-bytes", type=int)
    p.add_argument("--until-closed", action="store_true")
    p.add_argument("--progress")
    p.add_argument("--timeout", type=float, default=30)
    p.set_defaults(run=read_client)

    p = modes.add_parser("half-close-server")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--reply-bytes", type=int, default=1 << 20)
    p.set_defaults(run=half_close_server)

    p = modes.add_parser("half-close-client")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--request-bytes", type=int, default=3 << 20)
    p.add_argument("--reply-bytes", type=int, default=1 << 20)
    p.add_argument("--timeout", type=float, default=20)
    p.set_defaults(run=half_close_client)

    p = modes.add_parser("expect-close")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--within", type=float, default=5)
    p.set_defaults(run=expect_close)

    p = modes.add_parser("rss")
    p.add_argument("--out", required=True)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("targets", nargs="+", metavar="NAME=PID")
    p.set_defaults(run=rss)

    p = modes.add_parser("watch-restart")
    p.add_argument("--listen-log", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--reg-log", required=True)
    p.add_argument("--reg", required=True)
    p.add_argument("--reg-after", type=int, required=True)
    p.add_argument("--timeout", type=float, default=15)
    p.add_argument("--ready", help="file to create once watching")
    p.set_defaults(run=watch_restart)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
