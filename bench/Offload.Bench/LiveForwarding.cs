using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.PacketIo;
using Offload.Simulator.Runtime.Schema;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Tests.Common.Live;
using Offload.Tests.Common.Packets;
using P4.V1;

namespace Offload.Bench;

/// <summary>Packets/s from one raw-socket sender through offload-sim on veth pairs, and through a Linux bridge on the same veths.</summary>
internal static class LiveForwarding
{
    public static bool CanRun(out string why)
    {
        why = !Shell.IsRoot ? "needs root for veth pairs and raw sockets"
            : Shell.Run("ethtool", "--version").ExitCode != 0 ? "ethtool is missing (scripts/deps.sh test installs it)"
            : "";
        return why.Length == 0;
    }

    public static (double Simulator, double Bridge) Measure(TimeSpan duration)
    {
        using var network = new LiveNetwork();
        var (in1, host1) = network.AddLink("b1");
        var (in2, host2) = network.AddLink("b2");
        var frame = ScapyPacket.Build("Ether(dst=\"00:aa:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.1.11\")/UDP(sport=5000, dport=6000)/\"" + new string('x', 18) + "\"");

        double simulator;
        using (var device = new SwitchDevice(255, NullLogger.Instance))
        {
            device.Commit(new PipelineSchema(OffloadP4Info.Index));
            lock (device.State!.Gate)
            {
                EntityWriter.Apply(device.State, P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntryBuilder(OffloadP4Info.Index, "router_macs").Exact("eth_dst", "00:aa:00:00:00:01").Action("set_routable").Build() }));
                EntityWriter.Apply(device.State, P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntryBuilder(OffloadP4Info.Index, "routing_v4").Lpm("ipv4_dst", "10.0.1.0/24")
                    .Action("set_next_hop", ("port", 2), ("src_mac", "00:aa:00:00:00:02"), ("dst_mac", "00:00:00:00:01:11")).Build() }));
            }
            device.Attach(AfPacketPort.Open(1, in1));
            device.Attach(AfPacketPort.Open(2, in2));
            simulator = Blast(host1, host2, frame, duration);
        }

        var bridge = $"{network.Prefix}br";
        Shell.Check("ip", "link", "add", bridge, "type", "bridge");
        try
        {
            Shell.Check("ip", "link", "set", in1, "master", bridge);
            Shell.Check("ip", "link", "set", in2, "master", bridge);
            Shell.Check("ip", "link", "set", bridge, "up");
            var kernel = Blast(host1, host2, frame, duration);
            Console.WriteLine($"  live veth forwarding: offload-sim {simulator:F0} packets/s, Linux bridge {kernel:F0} packets/s");
            return (simulator, kernel);
        }
        finally
        {
            Shell.Run("ip", "link", "del", bridge);
        }
    }

    private static double Blast(string sendOn, string receiveOn, byte[] frame, TimeSpan duration)
    {
        using var sender = AfPacketPort.Open(1, sendOn);
        using var receiver = AfPacketPort.Open(2, receiveOn);
        long received = 0;
        receiver.Start((_, _) => Interlocked.Increment(ref received));
        sender.Start((_, _) => { });
        for (var i = 0; i < 1000; i++)
            sender.Send(frame);
        Thread.Sleep(300);
        var start = Interlocked.Read(ref received);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
            sender.Send(frame);
        var counted = Interlocked.Read(ref received) - start;
        return counted / watch.Elapsed.TotalSeconds;
    }
}
