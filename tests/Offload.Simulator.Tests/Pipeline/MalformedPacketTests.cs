using Microsoft.Extensions.Logging.Abstractions;
using Offload.Simulator.Device;
using Offload.Simulator.Pipeline;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using Offload.Tests.Common.Packets;
using Xunit;

namespace Offload.Simulator.Tests.Pipeline;

/// <summary>Truncated, mutated and random frames are counted and dropped or forwarded; no exception leaves the pipeline.</summary>
public sealed class MalformedPacketTests
{
    private static readonly string[] Seeds =
    [
        "Ether(dst=\"00:aa:00:00:01:00\", src=\"00:00:00:00:00:02\")/IP(src=\"10.0.0.2\", dst=\"10.0.100.1\")/TCP(sport=1, dport=80)/\"payload\"",
        "Ether(dst=\"00:aa:00:00:01:00\", src=\"00:00:00:00:00:02\")/Dot1Q(vlan=5)/IPv6(src=\"2001:db8::2\", dst=\"2001:db8:100::1\")/UDP()/\"x\"",
        "Ether(dst=\"ff:ff:ff:ff:ff:ff\", src=\"00:00:00:00:00:02\")/ARP(pdst=\"10.0.0.1\")",
        "Ether(dst=\"00:aa:00:00:01:00\", src=\"00:00:00:00:00:02\")/IPv6(src=\"2001:db8::2\", dst=\"ff02::1\")/ICMPv6ND_NS(tgt=\"2001:db8::1\")",
    ];

    [Fact]
    public void Process_TruncatedMutatedAndRandomFrames_NeverThrows()
    {
        using var device = new SwitchDevice(255, NullLogger.Instance);
        device.Commit(new PipelineSchema(OffloadP4Info.Index));
        var pipeline = new OffloadPipeline(device.State!, 255, _ => true);
        var random = new Random(1234);
        var outputs = new List<OutputPacket>();
        var frames = 0;
        foreach (var seed in Seeds.Select(ScapyPacket.Build))
        {
            for (var length = 0; length <= seed.Length; length++)
                Run(pipeline, (uint)random.Next(1, 256), seed[..length], outputs, ref frames);
            for (var i = 0; i < 2000; i++)
            {
                var mutated = (byte[])seed.Clone();
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                Run(pipeline, (uint)random.Next(1, 256), mutated, outputs, ref frames);
            }
        }
        for (var i = 0; i < 5000; i++)
        {
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            Run(pipeline, (uint)random.Next(1, 256), noise, outputs, ref frames);
        }
        var (parserErrors, _) = device.State!.Counter(P4Names.DropCounter).Read(1);
        Assert.True(parserErrors > 0, "no parser errors were counted");
        Assert.True(frames > 10_000);
    }

    private static void Run(OffloadPipeline pipeline, uint port, byte[] frame, List<OutputPacket> outputs, ref int frames)
    {
        outputs.Clear();
        lock (pipeline)
            pipeline.Process(port, frame, outputs);
        frames++;
    }
}
