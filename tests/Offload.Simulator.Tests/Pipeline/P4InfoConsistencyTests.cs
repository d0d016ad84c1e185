using System.Reflection;
using System.Text.RegularExpressions;
using Offload.P4Runtime.Schema;
using Offload.Simulator.Device;
using Offload.Simulator.Pipeline;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Simulator.Tests.Pipeline;

/// <summary>p4/offload.p4, its hand-written P4Info and the simulator's names must agree, since no p4c checks them here.</summary>
public sealed partial class P4InfoConsistencyTests
{
    private static readonly P4InfoIndex P4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));

    [Fact]
    public void P4Info_Ids_AreWhatP4cAssigns()
    {
        var pinned = SourceIds().ToDictionary(
            s => P4InfoIdChecker.Objects(P4Info.P4Info).Single(o => LocalName(o.Preamble.Name) == s.Name).Preamble.Name,
            s => s.Id);
        Assert.Empty(P4InfoIdChecker.Check(P4Info.P4Info, pinned));
    }

    [Fact]
    public void SourceIds_EachNamesOneP4InfoObject_WithThatId()
    {
        var objects = P4InfoIdChecker.Objects(P4Info.P4Info).ToDictionary(o => LocalName(o.Preamble.Name), o => o.Preamble.Id);
        var sources = SourceIds().ToList();
        Assert.True(sources.Count > 50, $"only {sources.Count} @id annotations found");
        foreach (var (name, id) in sources)
        {
            Assert.True(objects.TryGetValue(name, out var actual), $"@id(0x{id:x8}) {name} is in the P4 source but not in the P4Info");
            Assert.True(actual == id, $"{name}: @id(0x{id:x8}) in the source, 0x{actual:x8} in the P4Info");
        }
        var unpinned = objects.Keys.Except(sources.Select(s => s.Name)).Order().ToList();
        Assert.Equal(["NoAction", "connection_digest_t", "packet_in", "packet_out"], unpinned);
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

    private static IEnumerable<(string Name, uint Id)> SourceIds()
    {
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Get("p4"), "*.p4", SearchOption.AllDirectories))
        {
            foreach (Match m in IdAnnotation().Matches(File.ReadAllText(file)))
            {
                var declaration = m.Groups["decl"].Value;
                var keyword = KeywordDeclaration().Match(declaration);
                var name = keyword.Success ? keyword.Groups["name"].Value : ExternDeclaration().Match(declaration).Groups["name"].Value;
                yield return (name, Convert.ToUInt32(m.Groups["id"].Value, 16));
            }
        }
    }

    private static string LocalName(string name) => name[(name.LastIndexOf('.') + 1)..];

    [GeneratedRegex(@"@id\((?<id>0x[0-9a-fA-F]+)\)(?<decl>[^;{]*)")]
    private static partial Regex IdAnnotation();

    [GeneratedRegex(@"\b(action|table)\s+(?<name>\w+)")]
    private static partial Regex KeywordDeclaration();

    [GeneratedRegex(@"\)\s*(?<name>\w+)\s*$")]
    private static partial Regex ExternDeclaration();
}
