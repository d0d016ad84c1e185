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
            Assert.True(p4Info.Tables.TryGet(name, out _) || p4Info.Actions.TryGet(name, out _) || p4Info.Digests.TryGet(name, out _),
                $"OffloadP4.{field.Name} = '{name}' is not in p4/offload.p4info.txtpb");
        }
    }

    [Fact]
    public void BuiltInP4Info_IsTheRepositoryFile() =>
        Assert.Equal(P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb")).P4Info, OffloadP4.BuiltInP4Info.P4Info);
}
