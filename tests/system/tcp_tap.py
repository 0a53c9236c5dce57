#!/usr/bin/env python3
"""A TCP tap for tests: listens on --listen, forwards each connection to --to, and appends every byte it
carries (both directions) to --out. Prints "tapping" once listening."""
import argparse
import asyncio


async def pump(reader, writer, out):
    try:
        while data := await reader.read(65536):
            out.write(data)
            out.flush()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--to", type=int, required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    out = open(args.out, "ab")

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", args.to)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, out), pump(server_reader, client_writer, out))

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    print("tapping", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
