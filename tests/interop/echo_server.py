"""A grpcio server for the Echo test service: the real gRPC peer our client is tested against.

Prints "LISTENING <port>" when ready. Stubs come from protoc over the repository's .proto files.
"""
import argparse
import sys
import threading
import time
import grpc

import echo_pb2
import echo_pb2_grpc
import peer
from google.rpc import status_pb2
from google.protobuf import any_pb2
from p4.v1 import p4runtime_pb2

stats_lock = threading.Lock()
stats = echo_pb2.StatsResponse()


def record(field):
    with stats_lock:
        setattr(stats, field, getattr(stats, field) + 1)


def fail(context, request):
    """Ends the call with request.fail_code and a google.rpc.Status holding a p4.v1.Error."""
    rich = status_pb2.Status(code=request.fail_code, message=request.fail_message)
    detail = any_pb2.Any()
    detail.Pack(p4runtime_pb2.Error(canonical_code=request.fail_code, message="entry " + request.fail_message,
                                    space="offload-test"))
    rich.details.append(detail)
    context.set_trailing_metadata((("grpc-status-details-bin", rich.SerializeToString()),
                                   ("x-trailer", "from-python")))
    code = next(c for c in grpc.StatusCode if c.value[0] == request.fail_code)
    context.abort(code, request.fail_message)


def respond(request, index=0):
    payload = b"\x00" * request.response_size if request.response_size > 0 else request.payload
    return echo_pb2.EchoResponse(payload=payload, index=index)


def wait(context, request):
    """Sleeps request.sleep_ms; returns False when the call ended meanwhile (cancel or deadline)."""
    end = time.monotonic() + request.sleep_ms / 1000.0
    while time.monotonic() < end:
        if not context.is_active():
            return False
        time.sleep(0.005)
    return context.is_active()


def note_end(context):
    remaining = context.time_remaining()
    record("deadline_calls" if remaining is not None and remaining <= 0 else "cancelled_calls")


def note_deadline(context):
    remaining = context.time_remaining()
    if remaining is not None and remaining < 3600:
        with stats_lock:
            stats.last_deadline_ms = int(remaining * 1000 + 0.5)


class Echo(echo_pb2_grpc.EchoServicer):
    def Unary(self, request, context):
        note_deadline(context)
        echo = dict(context.invocation_metadata()).get("x-echo")
        if echo is not None:
            context.send_initial_metadata((("x-echo", echo),))
        if request.sleep_ms and not wait(context, request):
            note_end(context)
            return echo_pb2.EchoResponse()
        if request.fail_code:
            fail(context, request)
        return respond(request)

    def ServerStream(self, request, context):
        # A cancelled stream may stop at a yield and never resume, so count it from the call's end callback.
        finished = []
        context.add_callback(lambda: None if finished else note_end(context))
        index = 0
        while request.response_count < 0 or index < request.response_count:
            if request.sleep_ms and not wait(context, request):
                return
            yield respond(request, index)
            index += 1
        finished.append(True)
        if request.fail_code:
            fail(context, request)

    def ClientStream(self, request_iterator, context):
        total = 0
        count = 0
        for request in request_iterator:
            total += len(request.payload)
            count += 1
        return echo_pb2.EchoResponse(index=count, note=str(total))

    def Bidi(self, request_iterator, context):
        index = 0
        for request in request_iterator:
            if request.fail_code:
                fail(context, request)
            yield respond(request, index)
            index += 1

    def Stats(self, request, context):
        with stats_lock:
            return echo_pb2.StatsResponse(cancelled_calls=stats.cancelled_calls, deadline_calls=stats.deadline_calls,
                                          last_deadline_ms=stats.last_deadline_ms)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    peer.serve(lambda server: echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server), args.port)


if __name__ == "__main__":
    sys.exit(main())
