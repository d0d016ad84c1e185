using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using Xunit;

namespace Offload.Simulator.Tests.Vectors;

/// <summary>Every packet of every vector means the same bytes to our builder and to scapy, which the BMv2 runner sends with.</summary>
public sealed class ScapyCrossCheckTests
{
    [Fact]
    public async Task AllVectorPackets_BuiltByScapy_SameBytes()
    {
        var expressions = VectorFiles.All()
            .Select(f => VectorFile.Load(Path.Combine(VectorFiles.Root, f)))
            .SelectMany(f => f.Cases)
            .SelectMany(c => new[] { c.In?.Packet, c.PacketOut?.Packet }
                .Concat(c.Out.Select(o => o.Packet)).Concat(c.PacketIn.Select(p => p.Packet)))
            .OfType<string>()
            .Distinct()
            .ToList();
        Assert.True(expressions.Count > 50, $"only {expressions.Count} packets found in the vectors");
        var scapy = await Scapy.BuildAsync([.. expressions]);
        Assert.Equal(expressions.Count, scapy.Length);
        for (var i = 0; i < expressions.Count; i++)
            PacketAssert.Equal(scapy[i], ScapyPacket.Build(expressions[i]), $"scapy vs ours: {expressions[i]}");
    }
}
