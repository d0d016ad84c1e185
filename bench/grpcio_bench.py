"""grpcio client load for bench/Offload.Bench: the same work our client does, for the baseline.

Prints one line: RESULT <operations> <seconds>.
"""
import argparse
import sys
import time

import grpc

import echo_pb2
import echo_pb2_grpc

PAYLOAD = b"x" * 16


def unary(stub, seconds):
    request = echo_pb2.EchoRequest(payload=PAYLOAD)
    for _ in range(200):
        stub.Unary(request)
    count = 0
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        stub.Unary(request)
        count += 1
    return count, time.perf_counter() - start


def bidi(stub, seconds):
    request = echo_pb2.EchoRequest(payload=PAYLOAD)
    state = {"end": None}

    def requests():
        while state["end"] is None or time.perf_counter() < state["end"]:
            yield request

    count = 0
    start = time.perf_counter()
    state["end"] = start + seconds
    for _ in stub.Bidi(requests()):
        count += 1
    return count, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--mode", choices=["unary", "bidi"], required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        stub = echo_pb2_grpc.EchoStub(channel)
        operations, elapsed = (unary if args.mode == "unary" else bidi)(stub, args.seconds)
    print("RESULT %d %.6f" % (operations, elapsed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
