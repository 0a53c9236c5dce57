#!/usr/bin/env python3
"""A delay line between two interfaces, for a kernel without tc netem: every Ethernet frame that arrives on one
is sent out of the other DELAY_MS later, unless it is lost (LOSS_PCT percent, independently per frame and
direction). Frames keep their order. Run inside a network namespace that holds both interfaces (veth ends with no
address), e.g. by bench/direct_bench.sh:  delay_line.py IF_A IF_B DELAY_MS LOSS_PCT [SEED]
The interfaces that send into the line must not leave checksums or segmentation to it:
  delay_line.py --offload-off IF...   (in their namespace) turns off their transmit checksum offload and TSO."""
import array, fcntl, heapq, os, random, select, socket, struct, sys, time

ETH_P_ALL, PACKET_OUTGOING, SIOCETHTOOL, ETHTOOL_STXCSUM, ETHTOOL_STSO = 3, 4, 0x8946, 0x17, 0x1f


def ethtool_off(sock, ifname, cmd):
    data = struct.pack("II", cmd, 0)
    buf = array.array("B", data)
    ifr = struct.pack("16sP", ifname.encode(), buf.buffer_info()[0])
    try:
        fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    except OSError as e:
        print(f"delay_line: ethtool {cmd:#x} on {ifname}: {e}", file=sys.stderr)


def main():
    if sys.argv[1] == "--offload-off":  # in the namespace of the interfaces that send into the line
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for name in sys.argv[2:]:
            for cmd in (ETHTOOL_STSO, ETHTOOL_STXCSUM):
                ethtool_off(s, name, cmd)
        return
    if_a, if_b, delay_ms, loss_pct = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    socks = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
        for cmd in (ETHTOOL_STSO, ETHTOOL_STXCSUM):
            ethtool_off(s, name, cmd)
        s.setblocking(False)
        socks[name] = s
    other = {socks[if_a]: socks[if_b], socks[if_b]: socks[if_a]}
    queue, seq, delay = [], 0, delay_ms / 1000.0
    print(f"delay line {if_a} <-> {if_b}: {delay_ms} ms, {loss_pct} % loss", flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        ready, _, _ = select.select(list(other), [], [], timeout)
        now = time.monotonic()
        for s in ready:
            for _ in range(256):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own send, seen again
                if rng.random() * 100.0 < loss_pct:
                    continue
                seq += 1
                heapq.heappush(queue, (now + delay, seq, other[s], frame))
        while queue and queue[0][0] <= time.monotonic():
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:
                pass  # a full queue or an oversized frame: lost, as on a wire


if __name__ == "__main__":
    main()
