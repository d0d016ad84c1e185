#!/usr/bin/env bash
# make run: the demo. The default topology (one offload-sim switch, three web backends, a client) comes up in
# network namespaces with the controller; HTTP traffic flows through the VIP while a live table shows each
# backend; one backend is killed halfway and brought back; a summary; everything is torn down.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  cat >&2 <<MSG
run: the demo builds real hosts: network namespaces and veth pairs (ip netns, ip link), raw sockets on them
run: for the switch, and routes for the controller's management interface. That needs root:
run:     sudo make run
run: Without root you can still run the switch alone: bin/offload-sim --help
MSG
  exit 1
fi
scripts/deps.sh test
for port in 9559 9580; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run: 127.0.0.1:$port is in use (the demo's switch and controller need 9559 and 9580); stop what listens there" >&2
    exit 1
  fi
done
echo "==> the default topology (topologies/default.yaml) with its controller (topologies/default.controller.yaml)"
exec bin/offload-topo test demo topologies/default.yaml
