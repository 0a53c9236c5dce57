"""A minimal DNS responder for the static-resolver test: A queries for names under `.portico.test` get
127.0.0.1, every other name NXDOMAIN, AAAA no records. Prints a line once listening, then each name it
answered with an address (one per line, flushed).
Usage: dns_responder.py PORT"""
import socket
import struct
import sys

ZONE = b".portico.test"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(sys.argv[1])))
print("dns responder ready", flush=True)
while True:
    query, peer = sock.recvfrom(512)
    tid = struct.unpack(">H", query[:2])[0]
    labels, i = [], 12
    while query[i] != 0:
        labels.append(query[i + 1:i + 1 + query[i]])
        i += query[i] + 1
    name = b".".join(labels).lower()
    qtype = struct.unpack(">H", query[i + 1:i + 3])[0]
    question = query[12:i + 5]
    known = name.endswith(ZONE)
    answer = b""
    if known and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
    flags = 0x8180 if known else 0x8183  # NOERROR, or NXDOMAIN
    sock.sendto(struct.pack(">HHHHHH", tid, flags, 1, 1 if answer else 0, 0, 0) + question + answer, peer)
    if answer:
        print(name.decode(), flush=True)
