#!/usr/bin/python3
"""Builds each scapy expression of a JSON list with scapy and writes one hex line per packet.

   scapy_build.py EXPRESSIONS.json OUTPUT.txt

The vector tests compare these bytes with Offload's own builder, so a vector means the same packet to the
simulator tests and to run_bmv2.py, which sends it with scapy."""
import json
import sys

from scapy.all import (ARP, ICMP, IP, UDP, TCP, Dot1Q, Ether, IPv6, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,  # noqa: F401
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, Raw)


def main():
    with open(sys.argv[1]) as f:
        expressions = json.load(f)
    with open(sys.argv[2], "w") as out:
        for expression in expressions:
            out.write(bytes(eval(expression)).hex() + "\n")


if __name__ == "__main__":
    main()
