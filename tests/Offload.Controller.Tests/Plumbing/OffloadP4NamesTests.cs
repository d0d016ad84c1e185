using System.Reflection;
using Offload.Controller.Pipeline;
using Offload.P4Runtime.Schema;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

public sealed class OffloadP4NamesTests
{
    [Fact]
    public void ControllerNames_AllInTheP4Info()
    {
        var p4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));
        foreach (var field in typeof(OffloadP4).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(string)))
        {
            var name = (string)field.GetValue(null)!;
            Assert.True(p4Info.Tables.TryGet(name, out _) || p4Info.Actions.TryGet(name, out _) || p4Info.Digests.TryGet(name, out _)
                || p4Info.Counters.TryGet(name, out _),
                $"OffloadP4.{field.Name} = '{name}' is not in p4/offload.p4info.txtpb");
        }
    }

    // The reason labels of /metrics are define.p4's DROP_* and PUNT_* names, in the order of their values.
    [Theory]
    [InlineData("DROP_", nameof(OffloadP4.DropReasons))]
    [InlineData("PUNT_", nameof(OffloadP4.PuntReasons))]
    public void ReasonNames_AreDefineP4s(string prefix, string field)
    {
        var defined = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(RepoPaths.Get("p4", "shared", "define.p4")),
                $@"const bit<8> {prefix}(?<name>\w+)\s*=\s*(?<value>\d+);")
            .ToDictionary(m => int.Parse(m.Groups["value"].Value), m => m.Groups["name"].Value.ToLowerInvariant());
        var names = (IReadOnlyList<string>)typeof(OffloadP4).GetField(field)!.GetValue(null)!;
        Assert.Equal(Enumerable.Range(0, defined.Count).Select(i => defined[i]), names);
    }

    [Fact]
    public void BuiltInP4Info_IsTheRepositoryFile() =>
        Assert.Equal(P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb")).P4Info, OffloadP4.BuiltInP4Info.P4Info);
}
