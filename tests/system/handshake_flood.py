#!/usr/bin/env python3
"""An unauthenticated attacker that speaks Portico's TCP framing (docs/protocol.md, "TCP transport") to a hub.

  handshake   --port P [--rate 1000] [--seconds 8] [--connections 1] [--source IP]
      sends first Noise XX handshake messages (Handshake = 01 + a fresh 32-byte ephemeral key) to the hub's
      "secure" listener at RATE messages a second in all, spread over CONNECTIONS links, reading (and dropping)
      whatever comes back. Prints what it sent and how many links the hub closed.
  connections --port P --count N [--source IP] [--hold 5]
      opens N connections (each sends the preamble, then a heartbeat a second) and holds them; prints how many
      the hub closed at once (within 1 s) and how many it kept.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

PREAMBLE = b"PRTC\x01"
HEARTBEAT = b"\x00\x00\x00\x04\x01\x00\x00\x00"  # keeps a held connection alive past the hub's dead-peer timer


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def address(kind, value):
    return bytes([kind]) + varint(len(value)) + value


def message(onward, return_route, payload):
    body = b"\x01" + varint(len(onward)) + b"".join(onward) + varint(len(return_route)) + b"".join(return_route)
    body += varint(len(payload)) + payload
    return struct.pack(">I", len(body)) + body


def first_handshake():
    return message([address(0, b"secure")], [], b"\x01" + os.urandom(32))


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(PREAMBLE)
    s.setblocking(False)
    return s


def drain(socks, closed):
    readable, _, _ = select.select([s for s in socks if s not in closed], [], [], 0)
    for s in readable:
        try:
            if not s.recv(65536):
                closed.add(s)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            closed.add(s)


def handshake(args):
    socks = [connect(args.port, args.source) for _ in range(args.connections)]
    closed = set()
    sent = 0
    start = time.monotonic()
    tick = 0.01
    while time.monotonic() - start < args.seconds:
        due = int((time.monotonic() - start) * args.rate)
        while sent < due:
            live = [s for s in socks if s not in closed]
            if not live:
                break
            s = live[sent % len(live)]
            try:
                s.send(first_handshake())
            except (BlockingIOError, InterruptedError):
                pass  # the hub reads slower than we write: that message is lost, as for any flooder
            except OSError:
                closed.add(s)
            sent += 1
        drain(socks, closed)
        time.sleep(tick)
    elapsed = time.monotonic() - start
    print(f"sent {sent} first handshake messages in {elapsed:.1f} s ({sent / elapsed:.0f}/s) over "
          f"{len(socks)} connections; the hub closed {len(closed)}", flush=True)


def connections(args):
    socks, refused = [], 0
    for _ in range(args.count):
        try:
            socks.append(connect(args.port, args.source))
        except OSError:
            refused += 1
    print(f"opened {len(socks)} connections ({refused} refused at connect)", flush=True)
    closed = set()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        drain(socks, closed)
        time.sleep(0.05)
    print(f"closed at once: {len(closed)}; kept: {len(socks) - len(closed)}", flush=True)
    end = time.monotonic() + args.hold
    beat = 0.0
    while time.monotonic() < end:
        drain(socks, closed)
        if time.monotonic() - beat >= 1.0:
            beat = time.monotonic()
            for s in socks:
                if s not in closed:
                    try:
                        s.send(HEARTBEAT)
                    except OSError:
                        closed.add(s)
        time.sleep(0.1)
    for s in socks:
        s.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["handshake", "connections"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", default="")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--hold", type=float, default=5)
    args = parser.parse_args()
    handshake(args) if args.mode == "handshake" else connections(args)


if __name__ == "__main__":
    sys.exit(main())
