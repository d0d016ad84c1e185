"""grpcio P4Runtime client plumbing connections into offload-sim: the baseline for `bench controller`.

Becomes primary, then writes COUNT connections (a conn_v4 and a reverse_conn_v4 entry each) in batches of BATCH
connections, building every entry the way offload-controller does. Prints one line: RESULT <connections> <seconds>.
"""
import argparse
import queue
import threading
import time

import grpc
from google.protobuf import text_format

from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc


def canonical(value):
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--device-id", type=int, default=1)
    parser.add_argument("--p4info", required=True)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    info = p4info_pb2.P4Info()
    with open(args.p4info) as f:
        text_format.Parse(f.read(), info)
    tables = {t.preamble.alias: t for t in info.tables}
    actions = {a.preamble.alias: a for a in info.actions}

    channel = grpc.insecure_channel(args.address)
    stub = p4runtime_pb2_grpc.P4RuntimeStub(channel)
    election = p4runtime_pb2.Uint128(high=0, low=100)
    requests = queue.Queue()
    requests.put(p4runtime_pb2.StreamMessageRequest(arbitration=p4runtime_pb2.MasterArbitrationUpdate(
        device_id=args.device_id, election_id=election)))
    stream = stub.StreamChannel(iter(requests.get, None))
    primary = threading.Event()

    def receive():
        for message in stream:
            if message.HasField("arbitration") and message.arbitration.status.code == 0:
                primary.set()
    threading.Thread(target=receive, daemon=True).start()
    if not primary.wait(10):
        raise SystemExit("not primary")

    def entry(table, keys, action, params):
        t = tables[table]
        e = p4runtime_pb2.TableEntry(table_id=t.preamble.id)
        for field, value in zip(t.match_fields, keys):
            e.match.add(field_id=field.id).exact.value = canonical(value)
        a = actions[action]
        e.action.action.action_id = a.preamble.id
        for param, value in zip(a.params, params):
            e.action.action.params.add(param_id=param.id, value=canonical(value))
        return e

    vip, backend = 0x0a006401, 0x0a00010b
    start = time.perf_counter()
    for first in range(0, args.count, args.batch):
        request = p4runtime_pb2.WriteRequest(device_id=args.device_id, election_id=election)
        for i in range(first, min(first + args.batch, args.count)):
            client, port = 0x0b000000 + (i >> 14), 1024 + (i & 0x3fff)
            forward = entry("conn_v4", [client, vip, 6, port, 80], "forward", [1, 0, 0])
            forward.idle_timeout_ns = 60_000_000_000
            request.updates.add(type=p4runtime_pb2.Update.INSERT).entity.table_entry.CopyFrom(forward)
            request.updates.add(type=p4runtime_pb2.Update.INSERT).entity.table_entry.CopyFrom(
                entry("reverse_conn_v4", [backend, client, 6, 8080, port], "reverse_nat_v4", [1, vip, 80, 0, 0]))
        stub.Write(request)
    elapsed = time.perf_counter() - start
    print("RESULT %d %f" % (args.count, elapsed), flush=True)
    requests.put(None)


if __name__ == "__main__":
    main()
