#!/usr/bin/env bash
# make run: start offload-sim (a P4Runtime switch) and show a controller talking to it.
set -euo pipefail
cd "$(dirname "$0")/.."
addr=${OFFLOAD_SIM_ADDR:-127.0.0.1:9559}
port=${addr##*:}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run: port $port is in use; stop what listens there or run: make run OFFLOAD_SIM_ADDR=127.0.0.1:PORT" >&2
  exit 1
fi

echo "==> starting offload-sim on $addr (P4Runtime, device 0)"
bin/offload-sim --grpc-addr "$addr" --device-id 0 &
sim=$!
trap 'kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null; echo "==> offload-sim stopped"' EXIT INT TERM
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$sim" 2>/dev/null || { echo "run: offload-sim exited during start" >&2; exit 1; }
  sleep 0.1
done

echo "==> a controller connects, arbitrates and reads the switch state"
bin/offloadctl switch status --switch "$addr" --device-id 0 --election-id 1

cat <<MSG

offload-sim is running on $addr with offload.p4 loaded and serves the P4Runtime API of BMv2's
simple_switch_grpc: arbitration, pipeline config, table writes and reads, digests, idle timeouts,
packet-in/out. Try, in another terminal:
  bin/offloadctl switch status --switch $addr --election-id 20     # a higher election id takes over as primary
  bin/offloadctl p4info check p4/offload.p4info.txtpb              # ids as p4c assigns them
  bin/offload-sim --help                                           # live ports (-i PORT@IFACE), pcaps, replay
  bin/offload-controller --config controller/offload.example.yaml  # the controller takes charge of this switch
  bin/offloadctl status; bin/offloadctl backends                   # ... and tells you what it did
  make test                                                        # includes the packet vectors on live veth ports
What comes next: health monitoring and the topology demo (see the issues); make run grows into
the full demo with them.
Press Ctrl-C to stop.
MSG
wait "$sim"
