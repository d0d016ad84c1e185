using Microsoft.Extensions.Logging.Abstractions;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.PacketIo;
using Offload.Simulator.Runtime.Schema;
using Offload.Tests.Common.Packets;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.PacketIo;

/// <summary>pcap files: ours are read back, and a replayed file is forwarded like live traffic.</summary>
public sealed class PcapReplayTests
{
    private static string Frame(int i) =>
        $"Ether(dst=\"00:aa:00:00:00:01\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.1.11\")/UDP(sport={5000 + i}, dport=53)/\"q{i}\"";

    [Fact]
    public async Task Replay_PacketsOfAFile_ForwardedInOrder()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var writer = new PcapWriter(path))
            {
                for (var i = 0; i < 3; i++)
                    writer.Write(ScapyPacket.Build(Frame(i)));
            }
            Assert.Equal(3, PcapReader.Read(path).Count);

            using var device = new SwitchDevice(255, NullLogger.Instance);
            device.Commit(new PipelineSchema(OffloadP4Info.Index));
            lock (device.State!.Gate)
            {
                EntityWriter.Apply(device.State, P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntryBuilder(OffloadP4Info.Index, "router_macs")
                    .Exact("eth_dst", "00:aa:00:00:00:01").Action("set_routable").Build() }));
                EntityWriter.Apply(device.State, P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntryBuilder(OffloadP4Info.Index, "routing_v4")
                    .Lpm("ipv4_dst", "10.0.1.0/24").Action("set_next_hop", ("port", 2), ("src_mac", "00:aa:00:00:00:02"), ("dst_mac", "00:00:00:00:01:11")).Build() }));
            }
            var output = new InMemoryPort(2);
            device.Attach(output);
            var replay = PcapReplayPort.Open(1, path, () => device.State is not null, TimeSpan.Zero);
            device.Attach(replay);
            await replay.Replayed.WaitAsync(TimeSpan.FromSeconds(10));

            for (var i = 0; i < 3; i++)
            {
                var sent = await output.Sent.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                PacketAssert.Equal(ScapyPacket.Build(Frame(i).Replace("00:aa:00:00:00:01\", src=\"00:00:00:00:00:02", "00:00:00:00:01:11\", src=\"00:aa:00:00:00:02")
                    .Replace("dst=\"10.0.1.11\")", "dst=\"10.0.1.11\", ttl=63)")), sent, $"replayed packet {i}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_NotAPcap_SaysWhat()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[64]);
            var error = Assert.Throws<InvalidDataException>(() => PcapReader.Read(path));
            Assert.Contains("not a pcap file", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
