using Offload.P4Runtime.Schema;
using P4.Config.V1;
using Xunit;
using Prefix = P4.Config.V1.P4Ids.Types.Prefix;

namespace Offload.P4Runtime.Tests.Schema;

public sealed class P4IdAllocationTests
{
    [Theory]
    [InlineData(Prefix.Table, "MyIngress.ipv4_lpm", 37375156u)]
    [InlineData(Prefix.Action, "MyIngress.ipv4_forward", 28792405u)]
    [InlineData(Prefix.Action, "MyIngress.drop", 25652968u)]
    [InlineData(Prefix.Action, "NoAction", 21257015u)]
    public void FromName_PublishedP4cIds_Match(Prefix prefix, string name, uint id) =>
        Assert.Equal(id, P4IdAllocation.FromName(prefix, name));

    [Fact]
    public void Check_CompilerLikeP4Info_NoProblems() =>
        Assert.Empty(P4InfoIdChecker.Check(TestP4Info.Index.P4Info, TestP4Info.PinnedIds));

    [Fact]
    public void Check_PinnedIdNotDeclared_Reported()
    {
        var problems = P4InfoIdChecker.Check(TestP4Info.Index.P4Info);
        Assert.Contains("MyIngress.port_counter", Assert.Single(problems));
    }

    [Fact]
    public void Check_TamperedIds_EachReported()
    {
        var info = TestP4Info.Index.P4Info.Clone();
        info.Tables[0].Preamble.Id += 1;
        info.Actions[3].Params[1].Id = 1;
        info.Counters[0].Preamble.Annotations.Add("@id(0x13000001)");
        var problems = P4InfoIdChecker.Check(info);
        Assert.Contains(problems, p => p.Contains("MyIngress.ipv4_lpm") && p.Contains("37375156"));
        Assert.Contains(problems, p => p.Contains("parameter id 1 is used twice"));
        Assert.Contains(problems, p => p.Contains("port_counter") && p.Contains("prefix 0x13"));
    }

    [Fact]
    public void Check_UnprefixedAnnotation_GetsTypePrefix()
    {
        var info = new P4.Config.V1.P4Info();
        info.Counters.Add(new Counter { Preamble = new Preamble { Id = 0x12000007, Name = "c", Annotations = { "@id(7)" } } });
        Assert.Empty(P4InfoIdChecker.Check(info));
    }

    [Fact]
    public void Check_HashCollision_ProbesLikeP4c()
    {
        // Two objects forced onto the same id: the second in sorted order moves to the next hash value.
        var info = new P4.Config.V1.P4Info();
        var first = P4IdAllocation.FromName(Prefix.Action, "a");
        info.Actions.Add(new P4.Config.V1.Action { Preamble = new Preamble { Id = first, Name = "pinned", Annotations = { $"@id({first})" } } });
        info.Actions.Add(new P4.Config.V1.Action { Preamble = new Preamble { Id = P4IdAllocation.Compose(Prefix.Action, P4IdAllocation.JenkinsOneAtATime("a") + 1), Name = "a" } });
        Assert.Empty(P4InfoIdChecker.Check(info));
    }

    [Fact]
    public void Index_DuplicateNames_Refused()
    {
        var info = TestP4Info.Index.P4Info.Clone();
        info.Actions.Add(info.Actions[0].Clone());
        info.Actions[^1].Preamble.Id = 0x01000099;
        Assert.Contains("defined twice", Assert.Throws<P4InfoException>(() => new P4InfoIndex(info)).Message);
    }
}
