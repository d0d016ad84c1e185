"""Backends for `bench health`: accepts and closes TCP connections on COUNT consecutive loopback ports.

stdin: "close FIRST LAST" stops listening on ports FIRST..LAST (refusing from then on) and answers "closed".
"""
import asyncio
import sys


async def main(base: int, count: int) -> None:
    async def accept(reader, writer):
        writer.close()

    servers = {}
    for port in range(base, base + count):
        servers[port] = await asyncio.start_server(accept, "127.0.0.1", port, backlog=4096)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        parts = line.split()
        if parts[:1] == ["close"] and len(parts) == 3:
            for port in range(int(parts[1]), int(parts[2]) + 1):
                if port in servers:
                    servers.pop(port).close()
            print("closed", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
