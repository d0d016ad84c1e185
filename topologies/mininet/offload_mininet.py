#!/usr/bin/python3
"""Runs an Offload topology file (topologies/*.yaml) in Mininet.

The switch is a Mininet node of its own class, P4Switch, that starts BMv2's simple_switch_grpc or offload-sim with
one `-i PORT@INTERFACE` per link; the hosts, their services, the controller and its management interface are
those of the topology file. No Open vSwitch and no OpenFlow controller are involved.

    sudo topologies/mininet/offload_mininet.py topologies/default.yaml                 # kind from the file
    sudo topologies/mininet/offload_mininet.py topologies/default.yaml --switch bmv2   # simple_switch_grpc
    sudo topologies/mininet/offload_mininet.py topologies/default.yaml --check         # curl the VIP, then exit

Use Debian's /usr/bin/python3 (it has python3-mininet and python3-yaml).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import yaml
from mininet.cli import CLI
from mininet.log import info, setLogLevel
from mininet.net import Mininet
from mininet.node import Host, Switch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Programs:
    """Where our executables are: the launchers of `make build` (bin/), or DIR/NAME.dll run with dotnet."""

    def __init__(self, directory):
        self.directory = directory

    def command(self, name):
        if self.directory:
            return ["dotnet", os.path.join(self.directory, name + ".dll")]
        launcher = os.path.join(REPO, "bin", name)
        if not os.path.exists(launcher):
            sys.exit(f"offload_mininet: {launcher} is missing: run `make build` first (or pass --programs DIR)")
        return [launcher]


class P4Switch(Switch):
    """A P4Runtime switch process on the node's interfaces: simple_switch_grpc or offload-sim."""

    def __init__(self, name, kind="sim", device_id=0, grpc_port=9559, cpu_port=255, programs=None, log_dir="/tmp", **params):
        params["inNamespace"] = False
        Switch.__init__(self, name, **params)
        self.kind, self.device_id, self.grpc_port, self.cpu_port = kind, device_id, grpc_port, cpu_port
        self.programs, self.log_dir, self.process = programs, log_dir, None

    def start(self, controllers):
        ports = []
        for port, intf in sorted(self.intfs.items()):
            if intf.name == "lo" or port == 0:
                continue
            quiet(["ethtool", "-K", intf.name, "tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"])
            quiet(["sysctl", "-qw", f"net.ipv6.conf.{intf.name}.disable_ipv6=1"])
            ports += ["-i", f"{port}@{intf.name}"]
        address = f"127.0.0.1:{self.grpc_port}"
        if self.kind == "bmv2":
            if not shutil.which("simple_switch_grpc"):
                sys.exit("offload_mininet: simple_switch_grpc is not on PATH (BMv2 is not packaged for Debian 12)")
            command = ["simple_switch_grpc", "--no-p4", "--device-id", str(self.device_id), *ports,
                       "--", "--grpc-server-addr", address, "--cpu-port", str(self.cpu_port)]
        else:
            command = [*self.programs.command("offload-sim"), "--no-p4", "--device-id", str(self.device_id),
                       "--grpc-addr", address, "--cpu-port", str(self.cpu_port), *ports]
        log = open(os.path.join(self.log_dir, f"{self.name}.log"), "w")
        info(f"*** {self.name}: {' '.join(command)}\n")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.grpc_port, self.process, self.name)

    def stop(self, deleteIntfs=True):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        Switch.stop(self, deleteIntfs)


def quiet(command):
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def wait_for_port(port, process, name, timeout=60):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"offload_mininet: {name} exited during start (exit {process.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"offload_mininet: {name} did not listen on 127.0.0.1:{port} in {timeout} s")


def build(topology, args, programs, log_dir):
    net = Mininet(topo=None, controller=None, build=False, autoSetMacs=False)
    switches = {}
    for s in topology["switches"]:
        kind = args.switch or s.get("kind", "sim")
        switches[s["name"]] = net.addSwitch(s["name"], cls=P4Switch, kind=kind, device_id=s.get("device_id", 0),
                                            grpc_port=s.get("p4runtime_port", 9559), cpu_port=s.get("cpu_port", 255),
                                            programs=programs, log_dir=log_dir)
    hosts = {}
    for h in topology.get("hosts", []) + topology.get("clients", []):
        route = f"via {h['gateway']}" if h.get("gateway") else None
        hosts[h["name"]] = net.addHost(h["name"], ip=h["address"], mac=h["mac"], defaultRoute=route)
    for link in topology["links"]:
        net.addLink(hosts[link["host"]], switches[link["switch"]], port2=link["port"])
    management = []
    for c in topology.get("controllers", []):
        m = c.get("management")
        if m:
            node = net.addHost("mgmt", cls=Host, inNamespace=False, ip=m["address"], mac=m["mac"])
            net.addLink(node, switches[m["switch"]], port2=m["port"])
            management.append((node, m))
    return net, hosts, management


def start_services(topology, hosts, programs, log_dir):
    processes = []
    for h in topology.get("hosts", []):
        node = hosts[h["name"]]
        node.cmd("ethtool -K", node.defaultIntf().name, "tx off rx off tso off gso off gro off")
        for service in h.get("services", []):
            kind = service["kind"]
            if kind in ("http", "https"):
                command = [*programs.command("offload-topo"), "serve", kind, "--name", h["name"], "--port", str(service["port"])]
                if service.get("health_port"):
                    command += ["--health-port", str(service["health_port"])]
            elif kind == "echo":
                command = [*programs.command("offload-topo"), "serve", "echo", "--name", h["name"], "--port", str(service["port"])]
            elif kind == "socks5":
                command = ["microsocks", "-i", "0.0.0.0", "-p", str(service["port"])]
            else:
                command = ["/bin/sh", "-c", service["command"]]
            log = open(os.path.join(log_dir, f"{h['name']}-{kind}.log"), "w")
            processes.append(node.popen(command, stdout=log, stderr=subprocess.STDOUT))
    for h in topology.get("clients", []):
        node = hosts[h["name"]]
        node.cmd("ethtool -K", node.defaultIntf().name, "tx off rx off tso off gso off gro off")
    return processes


def start_controller(topology, directory, programs, log_dir):
    processes = []
    for c in topology.get("controllers", []):
        config = os.path.join(directory, c["config"])
        admin = c.get("admin", "127.0.0.1:9580")
        log = open(os.path.join(log_dir, f"controller-{c['name']}.log"), "w")
        command = [*programs.command("offload-controller"), "--config", config, "--admin-addr", admin]
        info(f"*** controller {c['name']}: {' '.join(command)}\n")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                switches = urllib.request.urlopen(f"http://{admin}/api/switches", timeout=2).read().decode()
                if '"primary"' in switches:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                sys.exit(f"offload_mininet: controller {c['name']} exited during start; see {log.name}")
            time.sleep(0.3)
        else:
            sys.exit(f"offload_mininet: controller {c['name']} did not become primary in 60 s; see {log.name}")
    return processes


def check(topology, hosts, controller_config):
    """Requests through the first HTTP VIP from the first client; passes when several backends answered."""
    with open(controller_config) as f:
        config = yaml.safe_load(f)
    vip = next(v for v in config["vips"] if v.get("protocol") == "tcp" and v.get("pool"))
    client = hosts[topology["clients"][0]["name"]]
    answers = {}
    for _ in range(30):
        body = client.cmd(f"curl -s --max-time 5 http://{vip['address']}:{vip['port']}/").strip()
        answers[body or "(no answer)"] = answers.get(body or "(no answer)", 0) + 1
    print("answers:", ", ".join(f"{k}: {v}" for k, v in sorted(answers.items())))
    return "(no answer)" not in answers and len(answers) >= 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("topology")
    parser.add_argument("--switch", choices=["sim", "bmv2"], help="override the switches' kind")
    parser.add_argument("--programs", help="a directory with offload-sim.dll, offload-controller.dll, offload-topo.dll (default: bin/ launchers)")
    parser.add_argument("--check", action="store_true", help="curl the VIP from the first client and exit (0 when backends answered)")
    parser.add_argument("--log-dir", default="/tmp/offload-mininet")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("offload_mininet: Mininet needs root (sudo)")
    with open(args.topology) as f:
        topology = yaml.safe_load(f)
    directory = os.path.dirname(os.path.abspath(args.topology))
    os.makedirs(args.log_dir, exist_ok=True)
    programs = Programs(args.programs)
    setLogLevel("info")
    net, hosts, management = build(topology, args, programs, args.log_dir)
    processes = []
    passed = True
    try:
        net.build()
        net.start()
        for node, m in management:
            quiet(["ethtool", "-K", node.defaultIntf().name, "tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"])
            for route in m.get("routes", []):
                node.cmd(f"ip route replace {route} via {m['gateway']} dev {node.defaultIntf().name}")
        processes += start_services(topology, hosts, programs, args.log_dir)
        processes += start_controller(topology, directory, programs, args.log_dir)
        time.sleep(2)
        if args.check:
            passed = check(topology, hosts, os.path.join(directory, topology["controllers"][0]["config"]))
        else:
            CLI(net)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        net.stop()
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
