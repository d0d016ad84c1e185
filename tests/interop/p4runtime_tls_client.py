#!/usr/bin/python3
"""A grpcio P4Runtime client over TLS: Capabilities, with or without a client certificate.

  p4runtime_tls_client.py --addr 127.0.0.1:9559 --ca ca.pem [--cert client.pem --key client.key]

Prints "VERSION <p4runtime_api_version>" and exits 0, or "FAILED <status code>" and exits 3."""
import argparse
import sys

import grpc

from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--addr", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--server-name", default="localhost")
    args = parser.parse_args()

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key) if args.key else None,
        certificate_chain=read(args.cert) if args.cert else None)
    channel = grpc.secure_channel(args.addr, credentials, options=[("grpc.ssl_target_name_override", args.server_name)])
    try:
        reply = p4runtime_pb2_grpc.P4RuntimeStub(channel).Capabilities(p4runtime_pb2.CapabilitiesRequest(), timeout=10)
    except grpc.RpcError as error:
        print("FAILED %s" % error.code().name, flush=True)
        return 3
    print("VERSION %s" % reply.p4runtime_api_version, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
