#!/usr/bin/env python3
"""Speaks Portico's TCP transport to a hub as an attacker with no keys: sends unauthenticated channel control
(refusals, a forged Close, forged records and hop records, a stray handshake message) to a channel address, then
a plaintext message to MARKER, which the hub denies with a log line: then everything before it was handled.

    channel_attack.py PORT CHANNEL_ADDRESS MARKER [ROUNDS]
"""
import os
import socket
import struct
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def address(value, kind=0):
    raw = value.encode()
    return bytes([kind]) + varint(len(raw)) + raw


def route(*values):
    return varint(len(values)) + b"".join(address(v) for v in values)


def message(onward, back, payload):
    return b"\x01" + route(*onward) + route(*back) + varint(len(payload)) + payload


def frame(body):
    return struct.pack(">I", len(body)) + body


def main():
    port, channel, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    forged = bytes(8) + os.urandom(40)  # nonce 0, then bytes nobody sealed
    attacks = [
        b"\x03no such channel any more (closed, or its node restarted)",  # a refusal (21 bytes and up)
        b"\x06" + forged,                                                   # a Close that is not under the keys
        b"\x02" + forged,                                                   # a record
        b"\x07" + varint(len(forged)) + forged + b"\x02" + forged,        # a hop record
        b"\x01" + os.urandom(48),                                           # a handshake message, after it
        b"\x02\x00\x00",                                                    # a truncated record
    ]
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"PRTC\x01")
    for _ in range(rounds):
        for payload in attacks:
            s.sendall(frame(message([channel], ["attacker"], payload)))
    s.sendall(frame(message([marker], ["attacker"], b"done")))
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    print(f"sent {rounds} x {len(attacks)} forged messages to {channel}", flush=True)


if __name__ == "__main__":
    main()
