using System.Reflection;
using Offload.P4Runtime.Schema;
using Offload.Simulator.Device;
using Offload.Simulator.Pipeline;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Simulator.Tests.Pipeline;

/// <summary>p4/offload.p4, its hand-written P4Info and the simulator's names must agree, since no p4c checks them here.</summary>
public sealed class P4InfoConsistencyTests
{
    private static readonly P4InfoIndex P4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));

    private static readonly P4SourceFacts Source = P4SourceFacts.Read(RepoPaths.Get("p4", "offload.p4"));

    // Every object's id as p4c computes it: @id pins from the source first, then the hash of the name, and for the
    // controller headers the hash of the header type's name (packet_in_t), which p4c uses though the P4Info says packet_in.
    [Fact]
    public void P4Info_Ids_AreWhatP4cAssigns()
    {
        var report = P4InfoIdChecker.Check(P4Info.P4Info, Source);
        Assert.Empty(report.Problems);
        Assert.Empty(report.Unchecked);
        Assert.Equal(80671331u, P4Info.P4Info.ControllerPacketMetadata.Single(c => c.Preamble.Name == "packet_in").Preamble.Id);
        Assert.Equal(75327753u, P4Info.P4Info.ControllerPacketMetadata.Single(c => c.Preamble.Name == "packet_out").Preamble.Id);
    }

    [Fact]
    public void SourceIds_EachNamesOneP4InfoObject_WithThatId()
    {
        var objects = P4InfoIdChecker.Objects(P4Info.P4Info).ToDictionary(o => LocalName(o.Preamble.Name), o => o.Preamble.Id);
        Assert.True(Source.PinnedIds.Count > 50, $"only {Source.PinnedIds.Count} @id annotations found");
        foreach (var (name, id) in Source.PinnedIds)
        {
            Assert.True(objects.TryGetValue(name, out var actual), $"@id(0x{id:x8}) {name} is in the P4 source but not in the P4Info");
            Assert.True(actual == id, $"{name}: @id(0x{id:x8}) in the source, 0x{actual:x8} in the P4Info");
        }
        var unpinned = objects.Keys.Except(Source.PinnedIds.Keys).Order().ToList();
        Assert.Equal(["NoAction", "connection_digest_t", "connection_end_digest_t", "packet_in", "packet_out"], unpinned);
        Assert.Equal(new Dictionary<string, string> { ["packet_in"] = "packet_in_t", ["packet_out"] = "packet_out_t" }, Source.ControllerHeaderTypes);
    }

    [Fact]
    public void P4Info_LocalNames_AreUniqueAndAliasesShort()
    {
        var objects = P4InfoIdChecker.Objects(P4Info.P4Info).Select(o => o.Preamble).ToList();
        Assert.Equal(objects.Count, objects.Select(p => LocalName(p.Name)).Distinct().Count());
        Assert.All(objects, p => Assert.Equal(LocalName(p.Name), p.Alias));
    }

    [Fact]
    public void SimulatorNames_AllExistInP4Info()
    {
        var names = typeof(P4Names).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        var all = P4InfoIdChecker.Objects(P4Info.P4Info).Select(o => o.Preamble.Name).ToHashSet();
        Assert.All(names, n => Assert.Contains(n, all));
        var tables = P4Info.Tables.All.Select(t => t.Preamble.Name);
        Assert.Empty(tables.Except(names));
    }

    [Fact]
    public void EmbeddedP4Info_IsTheRepositoryFile() =>
        Assert.Equal(P4Info.P4Info, OffloadP4Info.Index.P4Info);

    private static string LocalName(string name) => name[(name.LastIndexOf('.') + 1)..];
}
