"""A small P4Runtime server on grpcio, for testing our P4Runtime client against a real C-core peer.

It follows BMv2/PI where the spec leaves room: the primary is the highest election id among the
connected streams. Prints "LISTENING <port>" when ready.

Stream test hooks (PacketOut payloads): b"digest" -> a DigestList, b"idle" -> an
IdleTimeoutNotification, b"error" -> a StreamError, b"acks?" -> a PacketIn listing acked list ids;
any other payload is looped back as a PacketIn.
"""
import argparse
import queue
import sys
import threading
import grpc

import peer

from google.protobuf import any_pb2
from google.rpc import status_pb2
from p4.v1 import p4data_pb2, p4runtime_pb2, p4runtime_pb2_grpc

DIGEST_ID = 397109657
IDLE_TABLE_ID = 42773236


class Device:
    def __init__(self, device_id):
        self.device_id = device_id
        self.lock = threading.RLock()
        self.streams = {}  # election id (high, low) -> outgoing queue
        self.config = None
        self.entries = {}  # key -> TableEntry
        self.acked = []
        self.list_id = 0

    def primary(self):
        with self.lock:
            return max(self.streams) if self.streams else None

    def notify_all(self):
        with self.lock:
            primary = self.primary()
            for election_id, out in self.streams.items():
                update = p4runtime_pb2.MasterArbitrationUpdate(device_id=self.device_id)
                if primary is not None:
                    update.election_id.high, update.election_id.low = primary
                if election_id == primary:
                    update.status.code, update.status.message = 0, "Is primary"
                else:
                    update.status.code, update.status.message = 6, "Is backup"
                out.put(p4runtime_pb2.StreamMessageResponse(arbitration=update))


def key_of(entry):
    return (entry.table_id, tuple(m.SerializeToString() for m in entry.match), entry.priority)


def error_details(errors):
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message="Write failure")
    for code, message in errors:
        detail = any_pb2.Any()
        detail.Pack(p4runtime_pb2.Error(canonical_code=code, message=message, space="offload-fake"))
        status.details.append(detail)
    return status.SerializeToString()


class P4Runtime(p4runtime_pb2_grpc.P4RuntimeServicer):
    def __init__(self, device):
        self.device = device

    def Capabilities(self, request, context):
        return p4runtime_pb2.CapabilitiesResponse(p4runtime_api_version="1.5.0")

    def check_primary(self, request, context):
        if request.device_id != self.device.device_id:
            context.abort(grpc.StatusCode.NOT_FOUND, "Unknown device id %d" % request.device_id)
        election_id = (request.election_id.high, request.election_id.low)
        if self.device.primary() != election_id:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Not primary")

    def SetForwardingPipelineConfig(self, request, context):
        self.check_primary(request, context)
        with self.device.lock:
            self.device.config = request.config
            self.device.entries.clear()
        return p4runtime_pb2.SetForwardingPipelineConfigResponse()

    def GetForwardingPipelineConfig(self, request, context):
        with self.device.lock:
            if self.device.config is None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "No forwarding pipeline config set for this device")
            return p4runtime_pb2.GetForwardingPipelineConfigResponse(config=self.device.config)

    def Write(self, request, context):
        self.check_primary(request, context)
        if self.device.config is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "No forwarding pipeline config set for this device")
        errors = []
        with self.device.lock:
            for update in request.updates:
                entry = update.entity.table_entry
                key = key_of(entry)
                if update.type == p4runtime_pb2.Update.INSERT and key in self.device.entries:
                    errors.append((6, "Match entry exists, use MODIFY if you wish to change action"))
                elif update.type in (p4runtime_pb2.Update.MODIFY, p4runtime_pb2.Update.DELETE) \
                        and key not in self.device.entries:
                    errors.append((5, "Cannot find match entry"))
                else:
                    if update.type == p4runtime_pb2.Update.DELETE:
                        del self.device.entries[key]
                    else:
                        self.device.entries[key] = entry
                    errors.append((0, ""))
        if any(code for code, _ in errors):
            context.set_trailing_metadata((("grpc-status-details-bin", error_details(errors)),))
            context.abort(grpc.StatusCode.UNKNOWN, "Write failure")
        return p4runtime_pb2.WriteResponse()

    def Read(self, request, context):
        if self.device.config is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "No forwarding pipeline config set for this device")
        with self.device.lock:
            entries = list(self.device.entries.values())
        for entry in entries:  # one response per entity, so the client must read a real stream
            yield p4runtime_pb2.ReadResponse(entities=[p4runtime_pb2.Entity(table_entry=entry)])

    def StreamChannel(self, request_iterator, context):
        out = queue.Queue()
        registered = []

        def reader():
            try:
                for message in request_iterator:
                    if message.HasField("arbitration"):
                        arbitration = message.arbitration
                        if arbitration.device_id != self.device.device_id:
                            out.put(("abort", grpc.StatusCode.NOT_FOUND, "Invalid device id"))
                            return
                        election_id = (arbitration.election_id.high, arbitration.election_id.low)
                        with self.device.lock:
                            if election_id in self.device.streams and election_id not in registered:
                                out.put(("abort", grpc.StatusCode.INVALID_ARGUMENT, "Election id already exists"))
                                return
                            for old in registered:
                                self.device.streams.pop(old, None)
                            registered[:] = [election_id]
                            self.device.streams[election_id] = out
                            self.device.notify_all()
                    elif message.HasField("packet"):
                        self.on_packet(message.packet, out, registered)
                    elif message.HasField("digest_ack"):
                        with self.device.lock:
                            self.device.acked.append(message.digest_ack.list_id)
            finally:
                out.put(None)

        threading.Thread(target=reader, daemon=True).start()
        try:
            while True:
                item = out.get()
                if item is None:
                    return
                if isinstance(item, tuple):
                    context.abort(item[1], item[2])
                yield item
        finally:
            with self.device.lock:
                for old in registered:
                    self.device.streams.pop(old, None)
                self.device.notify_all()

    def on_packet(self, packet, out, registered):
        if not registered or self.device.primary() != registered[0]:
            return  # PI drops PacketOut from backups silently
        payload = packet.payload
        if payload == b"digest":
            with self.device.lock:
                self.device.list_id += 1
                list_id = self.device.list_id
            member = p4data_pb2.P4Data(struct=p4data_pb2.P4StructLike(members=[
                p4data_pb2.P4Data(bitstring=b"\x0a\x00\x00\x01"), p4data_pb2.P4Data(bitstring=b"\x50")]))
            out.put(p4runtime_pb2.StreamMessageResponse(digest=p4runtime_pb2.DigestList(
                digest_id=DIGEST_ID, list_id=list_id, data=[member], timestamp=1)))
        elif payload == b"idle":
            entry = p4runtime_pb2.TableEntry(table_id=IDLE_TABLE_ID, idle_timeout_ns=10**9)
            out.put(p4runtime_pb2.StreamMessageResponse(idle_timeout_notification=p4runtime_pb2.IdleTimeoutNotification(
                table_entry=[entry], timestamp=2)))
        elif payload == b"error":
            out.put(p4runtime_pb2.StreamMessageResponse(error=p4runtime_pb2.StreamError(
                canonical_code=3, message="bad packet_out metadata", packet_out=p4runtime_pb2.PacketOutError(packet_out=packet))))
        elif payload == b"acks?":
            with self.device.lock:
                acked = ",".join(str(i) for i in self.device.acked)
            out.put(p4runtime_pb2.StreamMessageResponse(packet=p4runtime_pb2.PacketIn(payload=acked.encode())))
        else:
            reply = p4runtime_pb2.PacketIn(payload=payload)
            for m in packet.metadata:
                reply.metadata.add(metadata_id=m.metadata_id, value=m.value)
            out.put(p4runtime_pb2.StreamMessageResponse(packet=reply))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--device-id", type=int, default=1)
    args = parser.parse_args()
    device = Device(args.device_id)
    peer.serve(lambda server: p4runtime_pb2_grpc.add_P4RuntimeServicer_to_server(P4Runtime(device), server),
               args.port, workers=32)


if __name__ == "__main__":
    sys.exit(main())
