#!/usr/bin/env python3
"""Idle connections for bench/run.sh's memory figure.

  idle_conns.py server --port P         accepts without limit, echoes each connection's first byte, then holds it
                                        (prints "listening on 127.0.0.1:P" once it listens)
  idle_conns.py client --port P --count N [--timeout S] [--in-flight K]
                                        opens N connections to P, K connecting at a time; on each sends one byte and
                                        waits for its echo (so every connection is known to reach the server), prints
                                        "held N", keeps them open and idle until SIGTERM, then closes
                                        them all and exits 0. Exits 1 with a line saying how far it got when not all
                                        are through within S seconds.
Raise `ulimit -n` above N first (bench/run.sh does).
"""
import argparse
import errno
import selectors
import signal
import socket
import sys
import time


def server(port: int) -> None:
    sel = selectors.DefaultSelector()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4096)
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ, None)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    held = {}
    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:  # out of descriptors: say so, keep serving the rest
                        print(f"accept: {e}", flush=True)
                        break
                    conn.setblocking(False)
                    held[conn.fileno()] = conn
                    sel.register(conn, selectors.EVENT_READ, "new")
                continue
            conn = key.fileobj
            try:
                data = conn.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                held.pop(conn.fileno(), None)
                conn.close()
            elif key.data == "new":
                try:
                    conn.send(data[:1])
                except OSError:
                    pass
                sel.modify(conn, selectors.EVENT_READ, "held")


def client(port: int, count: int, timeout: float, in_flight: int) -> int:
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    opened, done, pending = [], 0, 0
    started = 0
    end = time.monotonic() + timeout
    errors = {}

    def launch():
        nonlocal started, pending
        s = socket.socket()
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            errors[errno.errorcode.get(err, str(err))] = errors.get(errno.errorcode.get(err, str(err)), 0) + 1
            s.close()
            return
        opened.append(s)
        sel.register(s, selectors.EVENT_WRITE, "connecting")
        started += 1
        pending += 1

    while done < count and time.monotonic() < end and not stop:
        while started < count and pending < in_flight:
            before = started
            launch()
            if started == before:
                break
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    errors[errno.errorcode.get(err, str(err))] = errors.get(errno.errorcode.get(err, str(err)), 0) + 1
                    sel.unregister(s)
                    pending -= 1
                    continue
                try:
                    s.send(b"x")
                except OSError as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                    sel.unregister(s)
                    pending -= 1
                    continue
                sel.modify(s, selectors.EVENT_READ, "echo")
            else:
                try:
                    data = s.recv(16)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                sel.unregister(s)
                pending -= 1
                if data == b"x":
                    done += 1
                else:
                    errors["closed before the echo"] = errors.get("closed before the echo", 0) + 1
        if errors and sum(errors.values()) > count // 100 + 10:
            break
    if done < count:
        print(f"failed: {done} of {count} connections through ({started} started); errors: {errors}", flush=True)
        return 1
    print(f"held {done}", flush=True)
    while not stop:
        time.sleep(0.1)
    for s in opened:
        s.close()
    print("closed", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--in-flight", type=int, default=128)
    args = parser.parse_args()
    if args.mode == "server":
        server(args.port)
        return 0
    return client(args.port, args.count, args.timeout, args.in_flight)


if __name__ == "__main__":
    sys.exit(main())
