#!/usr/bin/env python3
"""Many downloads from one process (cheaper than a process each on a busy machine): opens --count connections
to 127.0.0.1:--port, reads each at most --rate bytes/s for --duration seconds, and writes
"<connections that have received bytes> <bytes in all>" to --status every 0.25 s. How a connection ends (EOF,
reset) is counted, not judged: the tests that use it judge other things."""
import argparse
import asyncio
import os
import time


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=int, default=0)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--status", required=True)
    args = parser.parse_args()
    received = [0] * args.count
    start = time.monotonic()

    async def one(i):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
        except OSError:
            return
        try:
            while time.monotonic() - start < args.duration:
                if args.rate:
                    ahead = received[i] / args.rate - (time.monotonic() - start)
                    if ahead > 0:
                        await asyncio.sleep(min(ahead, 0.05))
                        continue
                data = await asyncio.wait_for(reader.read(65536), timeout=args.duration)
                if not data:
                    break
                received[i] += len(data)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()

    async def report():
        while True:
            tmp = args.status + ".tmp"
            with open(tmp, "w") as f:
                f.write(f"{sum(1 for r in received if r)} {sum(received)}\n")
            os.replace(tmp, args.status)
            await asyncio.sleep(0.25)

    reporter = asyncio.create_task(report())
    await asyncio.gather(*(one(i) for i in range(args.count)))
    reporter.cancel()


if __name__ == "__main__":
    asyncio.run(main())
