#!/usr/bin/python3
"""Runs the packet test vectors of tests/vectors/ against a live P4Runtime switch running offload.p4:
BMv2's simple_switch_grpc, or offload-sim with -i PORT@IFACE.

  run_bmv2.py --grpc-addr 127.0.0.1:9559 --device-id 0 --port 1=h1 --port 2=h2 --port 3=h3 --port 4=h4 \
              [--device-config build/p4/offload.json] [FILE.yaml ...]

--port N=IFACE names the interface *attached to* switch port N (the host end of its veth pair): input packets
are sent on it and what the switch sends on port N is read from it. With --device-config the pipeline is
pushed first (simple_switch_grpc --no-p4). Each file's entries are written, its cases run, and the entries
removed again; counters are compared as increases over their value when the file started.
Needs root (raw sockets), python3-grpcio, python3-protobuf, python3-scapy and python3-yaml."""
import argparse
import ipaddress
import os
import queue
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def import_stubs():
    try:
        from p4.v1 import p4runtime_pb2  # noqa: F401
    except ImportError:
        out = tempfile.mkdtemp(prefix="offload-p4rt-")
        root = os.path.join(REPO, "proto", "p4runtime")
        protos = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".proto")]
        subprocess.run(["protoc", "-I" + root, "-I/usr/include", "--python_out=" + out, "--grpc_python_out=" + out,
                        "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + protos, check=True)
        sys.path.insert(0, out)


import_stubs()
import grpc  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from p4.config.v1 import p4info_pb2  # noqa: E402
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc  # noqa: E402
from scapy.all import ARP, ICMP, IP, UDP, TCP, Dot1Q, Ether, IPv6, ICMPv6EchoRequest, ICMPv6ND_NS, Raw  # noqa: F401,E402


def encode(value, width):
    """An operator's value (number, IPv4, IPv6, MAC) as a canonical P4Runtime bytestring."""
    text = str(value).strip()
    if text.count(":") == 5 and all(len(p) <= 2 for p in text.split(":")):
        number = int(text.replace(":", ""), 16)
    elif ":" in text or text.count(".") == 3:
        number = int(ipaddress.ip_address(text))
    else:
        number = int(text, 0)
    if number >= 1 << width:
        raise ValueError("%s does not fit in %d bits" % (text, width))
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


class P4Info:
    def __init__(self, path):
        self.info = p4info_pb2.P4Info()
        with open(path) as f:
            text_format.Parse(f.read(), self.info)

    def find(self, kind, name):
        for item in getattr(self.info, kind):
            if name in (item.preamble.name, item.preamble.alias):
                return item
        raise KeyError("no %s named %s" % (kind, name))

    def action(self, name, params):
        action = self.find("actions", name)
        message = p4runtime_pb2.Action(action_id=action.preamble.id)
        for p in action.params:
            message.params.add(param_id=p.id, value=encode(params[p.name], p.bitwidth))
        return message


class Switch:
    def __init__(self, args, p4info):
        self.args = args
        self.p4info = p4info
        self.channel = grpc.insecure_channel(args.grpc_addr)
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        self.election = p4runtime_pb2.Uint128(high=0, low=args.election_id)
        self.requests = queue.Queue()
        self.packet_ins = queue.Queue()
        self.digests = queue.Queue()
        self.arbitration = queue.Queue()
        self.stream = self.stub.StreamChannel(iter(self.requests.get, None))
        threading.Thread(target=self.receive, daemon=True).start()
        self.requests.put(p4runtime_pb2.StreamMessageRequest(arbitration=p4runtime_pb2.MasterArbitrationUpdate(
            device_id=args.device_id, election_id=self.election)))
        status = self.arbitration.get(timeout=10)
        if status.code != 0:
            raise SystemExit("run_bmv2: not primary (%s); is another controller connected?" % status.message)

    def receive(self):
        for message in self.stream:
            kind = message.WhichOneof("update")
            if kind == "arbitration":
                self.arbitration.put(message.arbitration.status)
            elif kind == "packet":
                self.packet_ins.put(message.packet)
            elif kind == "digest":
                self.digests.put(message.digest)
                self.requests.put(p4runtime_pb2.StreamMessageRequest(digest_ack=p4runtime_pb2.DigestListAck(
                    digest_id=message.digest.digest_id, list_id=message.digest.list_id)))

    def set_pipeline(self, device_config):
        config = p4runtime_pb2.ForwardingPipelineConfig(p4info=self.p4info.info)
        with open(device_config, "rb") as f:
            config.p4_device_config = f.read()
        self.stub.SetForwardingPipelineConfig(p4runtime_pb2.SetForwardingPipelineConfigRequest(
            device_id=self.args.device_id, election_id=self.election, config=config,
            action=p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT))

    def write(self, updates):
        request = p4runtime_pb2.WriteRequest(device_id=self.args.device_id, election_id=self.election)
        request.updates.extend(updates)
        self.stub.Write(request)

    def counter(self, name, index):
        counter = self.p4info.find("counters", name)
        request = p4runtime_pb2.ReadRequest(device_id=self.args.device_id)
        request.entities.add().counter_entry.CopyFrom(p4runtime_pb2.CounterEntry(
            counter_id=counter.preamble.id, index=p4runtime_pb2.Index(index=index)))
        for response in self.stub.Read(request):
            for entity in response.entities:
                return entity.counter_entry.data.packet_count
        return 0

    def packet_out(self, egress_port, mode, payload):
        header = self.p4info.find("controller_packet_metadata", "packet_out")
        message = p4runtime_pb2.PacketOut(payload=payload)
        values = {"egress_port": egress_port, "mode": mode}
        for m in header.metadata:
            message.metadata.add(metadata_id=m.id, value=encode(values[m.name], m.bitwidth))
        self.requests.put(p4runtime_pb2.StreamMessageRequest(packet=message))


def entity_of(p4info, entry):
    """One vector entry (the YAML of tests/vectors/) as (update type, Entity)."""
    entity = p4runtime_pb2.Entity()
    modify = entry.get("update") == "modify" or "default" in entry or "meter" in entry
    if "table" in entry:
        table = p4info.find("tables", entry["table"])
        te = entity.table_entry
        te.table_id = table.preamble.id
        te.is_default_action = "default" in entry
        fields = {f.name: f for f in table.match_fields}
        for name, raw in (entry.get("match") or {}).items():
            field, text = fields[name], str(raw)
            m = te.match.add(field_id=field.id)
            kind = p4info_pb2.MatchField.MatchType.Name(field.match_type)
            if kind == "LPM":
                address, prefix = text.split("/")
                m.lpm.value, m.lpm.prefix_len = encode(address, field.bitwidth), int(prefix)
            elif "&&&" in text:
                value, mask = text.split("&&&")
                m.ternary.value, m.ternary.mask = encode(value, field.bitwidth), encode(mask, field.bitwidth)
            elif ".." in text:
                low, high = text.split("..")
                m.range.low, m.range.high = encode(low, field.bitwidth), encode(high, field.bitwidth)
            elif kind == "OPTIONAL":
                m.optional.value = encode(text, field.bitwidth)
            elif kind == "TERNARY":
                m.ternary.value, m.ternary.mask = encode(text, field.bitwidth), encode((1 << field.bitwidth) - 1, field.bitwidth)
            else:
                m.exact.value = encode(text, field.bitwidth)
        if "action" in entry:
            te.action.action.CopyFrom(p4info.action(entry["action"], entry.get("params") or {}))
        for a in entry.get("action_set") or []:
            item = te.action.action_profile_action_set.action_profile_actions.add(
                action=p4info.action(a["action"], a.get("params") or {}), weight=int(a.get("weight", 1)))
            if "watch_port" in a:
                item.watch_port = encode(a["watch_port"], 32)
        te.priority = int(entry.get("priority", 0))
    elif "multicast_group" in entry or "clone_session" in entry:
        spec = entry.get("multicast_group") or entry["clone_session"]
        pre = entity.packet_replication_engine_entry
        target = pre.multicast_group_entry if "multicast_group" in entry else pre.clone_session_entry
        if "multicast_group" in entry:
            target.multicast_group_id = int(spec["id"])
        else:
            target.session_id, target.packet_length_bytes = int(spec["id"]), int(spec.get("packet_length", 0))
        for r in spec["replicas"]:
            target.replicas.add(port=encode(r["port"], 32), instance=int(r.get("instance", 0)))
    elif "meter" in entry:
        spec = entry["meter"]
        entity.meter_entry.meter_id = p4info.find("meters", spec["name"]).preamble.id
        entity.meter_entry.index.index = int(spec["index"])
        entity.meter_entry.config.CopyFrom(p4runtime_pb2.MeterConfig(
            cir=int(spec["cir"]), cburst=int(spec["cburst"]), pir=int(spec["pir"]), pburst=int(spec["pburst"])))
    elif "digest" in entry:
        spec = entry["digest"]
        entity.digest_entry.digest_id = p4info.find("digests", spec["name"]).preamble.id
        entity.digest_entry.config.max_timeout_ns = int(spec.get("max_timeout_ns", 0))
        entity.digest_entry.config.max_list_size = int(spec.get("max_list_size", 1))
        entity.digest_entry.config.ack_timeout_ns = int(spec.get("ack_timeout_ns", 0))
    else:
        raise ValueError("unsupported vector entry %s" % entry)
    return (p4runtime_pb2.Update.MODIFY if modify else p4runtime_pb2.Update.INSERT), entity


def undo(kind, entity):
    """The update that removes what a setup update wrote (meters reset, default entries restored)."""
    if kind == p4runtime_pb2.Update.INSERT:
        return p4runtime_pb2.Update(type=p4runtime_pb2.Update.DELETE, entity=entity)
    reset = p4runtime_pb2.Entity()
    reset.CopyFrom(entity)
    if reset.HasField("meter_entry"):
        reset.meter_entry.ClearField("config")
    else:
        reset.table_entry.ClearField("action")
    return p4runtime_pb2.Update(type=p4runtime_pb2.Update.MODIFY, entity=reset)


class Ports:
    """Raw sockets on the interfaces attached to the switch's ports."""

    def __init__(self, mapping):
        self.sockets = {}
        for port, iface in mapping.items():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((iface, 0))
            self.sockets[port] = s

    def drain(self):
        for s in self.sockets.values():
            while select.select([s], [], [], 0)[0]:
                s.recv(65536)

    def send(self, port, frame):
        self.sockets[port].send(frame)

    def collect(self, expected, quiet=0.4, limit=3.0):
        """Frames the switch sent, per port, until `expected` arrived and the ports stayed quiet."""
        got, deadline, last = [], time.time() + limit, time.time()
        sockets = {s: p for p, s in self.sockets.items()}
        while time.time() < deadline and (len(got) < expected or time.time() - last < quiet):
            ready, _, _ = select.select(list(sockets), [], [], 0.05)
            for s in ready:
                frame, address = s.recvfrom(65536)
                if address[2] != PACKET_OUTGOING:
                    got.append((sockets[s], frame))
                    last = time.time()
        return got


def build(expression):
    return bytes(eval(expression))


def check_case(case, switch, ports, baseline):
    problems = []
    ports.drain()
    while not switch.packet_ins.empty():
        switch.packet_ins.get()
    while not switch.digests.empty():
        switch.digests.get()
    for entry in case.get("writes") or []:
        kind, entity = entity_of(switch.p4info, entry)
        switch.write([p4runtime_pb2.Update(type=kind, entity=entity)])
    expected = sorted((o["port"], build(o["packet"])) for o in case.get("out") or [])
    if "packet_out" in case:
        po = case["packet_out"]
        switch.packet_out(po["egress_port"], po["mode"], build(po["packet"]))
    else:
        ports.send(case["in"]["port"], build(case["in"]["packet"]))
    got = sorted(ports.collect(len(expected)))
    if got != expected:
        problems.append("packets out: expected %s, got %s" % (
            [(p, f.hex()) for p, f in expected], [(p, f.hex()) for p, f in got]))
    for want in case.get("packet_in") or []:
        try:
            packet_in = switch.packet_ins.get(timeout=2)
        except queue.Empty:
            problems.append("no packet-in (expected reason %s)" % want["reason"])
            continue
        fields = {m.metadata_id: int.from_bytes(m.value, "big") for m in packet_in.metadata}
        if (fields.get(1), fields.get(2), fields.get(3)) != (want["ingress_port"], want["reason"], want["vip_id"]):
            problems.append("packet-in metadata %s, expected %s" % (fields, want))
        if packet_in.payload != build(want["packet"]):
            problems.append("packet-in payload %s" % packet_in.payload.hex())
    for want in case.get("digests") or []:
        try:
            digest = switch.digests.get(timeout=2)
        except queue.Empty:
            problems.append("no digest")
            continue
        # A vector's digest names its struct with "digest" (connection_digest_t when it does not).
        struct = next(d.type_spec.struct.name for d in switch.p4info.info.digests if d.preamble.id == digest.digest_id)
        if struct != want.get("digest", "connection_digest_t"):
            problems.append("digest %s, expected %s" % (struct, want.get("digest", "connection_digest_t")))
            continue
        members = switch.p4info.info.type_info.structs[struct].members
        values = {m.name: digest.data[0].struct.members[i].bitstring for i, m in enumerate(members)}
        for name, text in want.items():
            if name == "digest":
                continue
            width = members[[m.name for m in members].index(name)].type_spec.bitstring.bit.bitwidth
            if values[name].lstrip(b"\0") != encode(text, width).lstrip(b"\0"):
                problems.append("digest %s = %s, expected %s" % (name, values[name].hex(), text))
    for counter in case.get("counters") or []:
        key = (counter["name"], counter["index"])
        if key not in baseline:
            continue
        value = switch.counter(*key) - baseline[key]
        if value != counter["packets"]:
            problems.append("%s[%s] rose by %d, expected %d" % (key[0], key[1], value, counter["packets"]))
    return problems


def load(path):
    with open(path) as f:
        data = yaml.safe_load(f)
    entries = []
    for include in data.get("include") or []:
        entries += load(os.path.join(os.path.dirname(path), include))["entries"]
    data["entries"] = entries + (data.get("entries") or [])
    return data


def run_file(path, switch, ports):
    data = load(path)
    updates = [entity_of(switch.p4info, e) for e in data["entries"]]
    baseline = {(c["name"], c["index"]): None for case in data["cases"] for c in case.get("counters") or []}
    for key in baseline:
        baseline[key] = switch.counter(*key)
    written = []
    failures = 0
    try:
        for kind, entity in updates:
            switch.write([p4runtime_pb2.Update(type=kind, entity=entity)])
            written.append((kind, entity))
        for case in data["cases"]:
            problems = check_case(case, switch, ports, baseline)
            failures += bool(problems)
            print("%s  %s / %s" % ("FAIL" if problems else "ok  ", os.path.relpath(path, HERE), case["name"]), flush=True)
            for p in problems:
                print("      " + p, flush=True)
    finally:
        for kind, entity in reversed(written):
            try:
                switch.write([undo(kind, entity)])
            except grpc.RpcError as error:
                print("      cleanup: %s" % error.details(), flush=True)
    return len(data["cases"]), failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grpc-addr", default="127.0.0.1:9559")
    parser.add_argument("--device-id", type=int, default=0)
    parser.add_argument("--election-id", type=int, default=1)
    parser.add_argument("--p4info", default=os.path.join(REPO, "p4", "offload.p4info.txtpb"))
    parser.add_argument("--device-config", help="BMv2 JSON from p4c: push the pipeline first")
    parser.add_argument("--port", action="append", default=[], help="N=IFACE, the interface attached to switch port N")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    mapping = {}
    for spec in args.port:
        number, _, iface = spec.partition("=")
        if not number.isdigit() or not iface:
            parser.error("--port %s: expected N=IFACE" % spec)
        mapping[int(number)] = iface
    files = args.files or sorted(os.path.join(d, f) for d, _, fs in os.walk(HERE) for f in fs
                                 if f.endswith(".yaml") and not f.startswith("base"))
    switch = Switch(args, P4Info(args.p4info))
    if args.device_config:
        switch.set_pipeline(args.device_config)
    ports = Ports(mapping)
    total = failed = 0
    for path in files:
        cases, failures = run_file(path, switch, ports)
        total, failed = total + cases, failed + failures
    print("vectors: %d cases, %d passed, %d failed" % (total, total - failed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
