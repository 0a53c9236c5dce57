#!/usr/bin/env python3
"""A TCP proxy that can freeze one direction of a Portico link, for tests: it forwards 127.0.0.1:--listen to
127.0.0.1:--upstream both ways, and while the file --freeze exists it stops reading from the upstream side, so
whatever the upstream sends piles up in the upstream's kernel buffers and then its own queues, while what the
client sends still goes through (heartbeats included). So that the client does not give up on the silent
upstream by itself, the proxy forwards the upstream's bytes frame by frame (docs/protocol.md, "TCP transport")
and, while frozen, hands the client a heartbeat frame every second between whole frames: a member that keeps
its link alive and reads nothing. Prints "listening on 127.0.0.1:PORT" once it accepts."""
import argparse
import asyncio
import os
import sys


HEARTBEAT = bytes([0, 0, 0, 4, 1, 0, 0, 0])


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def frame_pump(reader, writer, freeze):
    """Upstream to client, whole frames at a time; heartbeats to the client while frozen."""
    try:
        writer.write(await reader.readexactly(5))  # the preamble
        while True:
            while os.path.exists(freeze):
                writer.write(HEARTBEAT)
                await writer.drain()
                await asyncio.sleep(1.0)
            header = await reader.readexactly(4)
            body = await reader.readexactly(int.from_bytes(header, "big"))
            writer.write(header + body)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--freeze", required=True)
    args = parser.parse_args()

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", args.upstream)
        except OSError:
            client_writer.close()
            return
        # Small receive buffers, so a frozen direction backs up into the upstream quickly.
        sock = up_writer.get_extra_info("socket")
        if sock is not None:
            import socket
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        await asyncio.gather(pump(client_reader, up_writer), frame_pump(up_reader, client_writer, args.freeze))

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    print(f"listening on 127.0.0.1:{args.listen}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
