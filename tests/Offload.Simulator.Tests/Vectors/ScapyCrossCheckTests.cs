using System.Text.Json;
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
        var input = Path.GetTempFileName();
        var output = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(input, JsonSerializer.Serialize(expressions));
            var (exit, log) = await PythonPeer.RunAsync("tests/vectors/scapy_build.py", TimeSpan.FromMinutes(2), input, output);
            Assert.True(exit == 0, $"scapy_build.py failed (is python3-scapy installed? scripts/deps.sh installs it): {log}");
            var scapy = await File.ReadAllLinesAsync(output);
            Assert.Equal(expressions.Count, scapy.Length);
            for (var i = 0; i < expressions.Count; i++)
                PacketAssert.Equal(Convert.FromHexString(scapy[i]), ScapyPacket.Build(expressions[i]), $"scapy vs ours: {expressions[i]}");
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }
}
