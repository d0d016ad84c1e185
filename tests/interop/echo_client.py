"""A grpcio client for the Echo test service: the real gRPC peer our server is tested against.

Runs one scenario against --target and exits 0 when it passes; prints why when it does not.
"""
import argparse
import sys
import threading
import time

import grpc

import echo_pb2
import echo_pb2_grpc
from google.rpc import status_pb2
from p4.v1 import p4runtime_pb2


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def unary(stub):
    response, call = stub.Unary.with_call(echo_pb2.EchoRequest(payload=b"hello"), metadata=(("x-echo", "abc"),))
    check(response.payload == b"hello", "payload %r" % response.payload)
    check(dict(call.initial_metadata()).get("x-echo") == "abc", "initial metadata %r" % (call.initial_metadata(),))


def server_streaming(stub):
    responses = list(stub.ServerStream(echo_pb2.EchoRequest(payload=b"s", response_count=25)))
    check([r.index for r in responses] == list(range(25)), "indexes %r" % [r.index for r in responses])


def client_streaming(stub):
    requests = (echo_pb2.EchoRequest(payload=b"x" * i) for i in range(10))
    response = stub.ClientStream(requests)
    check(response.index == 10 and response.note == str(sum(range(10))), "response %r" % response)


def bidi(stub):
    lock = threading.Condition()
    outbox = []
    done = []

    def requests():
        for i in range(200):
            with lock:
                outbox.append(i)
            yield echo_pb2.EchoRequest(payload=str(i).encode())
            with lock:  # ping-pong: wait for the answer before the next request
                lock.wait_for(lambda: len(done) > i, timeout=10)
    for response in stub.Bidi(requests()):
        with lock:
            done.append(int(response.payload))
            lock.notify_all()
    check(done == list(range(200)), "bidi order %r" % done[:10])


def error_details(stub):
    try:
        stub.Unary(echo_pb2.EchoRequest(fail_code=6, fail_message="exists"))
        check(False, "no error")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.ALREADY_EXISTS, "code %r" % error.code())
        check(error.details() == "exists", "details %r" % error.details())
        trailers = dict(error.trailing_metadata())
        rich = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
        check(rich.code == 6 and len(rich.details) == 1, "rich status %r" % rich)
        detail = p4runtime_pb2.Error()
        check(rich.details[0].Unpack(detail), "detail type %s" % rich.details[0].type_url)
        check(detail.canonical_code == 6 and detail.message == "entry exists", "detail %r" % detail)
        check(trailers.get("x-trailer") == "from-csharp", "custom trailer %r" % trailers)


def deadline(stub):
    started = time.monotonic()
    try:
        stub.Unary(echo_pb2.EchoRequest(sleep_ms=10000), timeout=1.0)
        check(False, "no error")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "code %r" % error.code())
    check(time.monotonic() - started < 5, "deadline not honoured")
    # Client and server timers race to end the call, so the server may log it either way; what it must
    # have seen is the deadline itself (grpc-timeout) and the end of the call.
    wait_for_stat(stub, lambda s: s.deadline_calls + s.cancelled_calls > 0 and 0 < s.last_deadline_ms <= 1100)


def cancellation(stub):
    call = stub.ServerStream(echo_pb2.EchoRequest(payload=b"c", response_count=-1, sleep_ms=10))
    for i, _ in enumerate(call):
        if i == 3:
            break
    call.cancel()
    check(call.code() == grpc.StatusCode.CANCELLED, "code %r" % call.code())
    wait_for_stat(stub, lambda s: s.cancelled_calls > 0)


def large_message(stub):
    payload = bytes(range(256)) * (3 * 1024 * 4)  # 3 MiB
    response = stub.Unary(echo_pb2.EchoRequest(payload=payload))
    check(response.payload == payload, "3 MiB payload came back %d bytes" % len(response.payload))


def unknown_method(channel):
    call = channel.unary_unary("/offload.testing.Echo/Missing",
                               request_serializer=echo_pb2.EchoRequest.SerializeToString,
                               response_deserializer=echo_pb2.EchoResponse.FromString)
    try:
        call(echo_pb2.EchoRequest())
        check(False, "no error")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNIMPLEMENTED, "code %r" % error.code())


def wait_for_stat(stub, condition):
    end = time.monotonic() + 5
    while time.monotonic() < end:
        stats = stub.Stats(echo_pb2.StatsRequest())
        if condition(stats):
            return
        time.sleep(0.05)
    check(False, "server never saw the call end: %s" % stats)


SCENARIOS = {
    "unary": unary, "server_streaming": server_streaming, "client_streaming": client_streaming,
    "bidi": bidi, "error_details": error_details, "deadline": deadline, "cancellation": cancellation,
    "large_message": large_message,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS) + ["unknown_method"])
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        try:
            if args.scenario == "unknown_method":
                unknown_method(channel)
            else:
                SCENARIOS[args.scenario](echo_pb2_grpc.EchoStub(channel))
        except AssertionError as failure:
            print("FAIL %s: %s" % (args.scenario, failure))
            return 1
    print("PASS %s" % args.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
