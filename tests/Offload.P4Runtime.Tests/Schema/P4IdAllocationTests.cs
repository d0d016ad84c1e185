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
        Assert.Empty(P4InfoIdChecker.Check(TestP4Info.Index.P4Info, pinnedIds: TestP4Info.PinnedIds).Problems);

    [Fact]
    public void Check_PinnedIdNotDeclared_Reported()
    {
        var problems = P4InfoIdChecker.Check(TestP4Info.Index.P4Info).Problems;
        Assert.Contains("MyIngress.port_counter", Assert.Single(problems));
    }

    [Fact]
    public void Check_TamperedIds_EachReported()
    {
        var info = TestP4Info.Index.P4Info.Clone();
        info.Tables[0].Preamble.Id += 1;
        info.Actions[3].Params[1].Id = 1;
        info.Counters[0].Preamble.Annotations.Add("@id(0x13000001)");
        var problems = P4InfoIdChecker.Check(info).Problems;
        Assert.Contains(problems, p => p.Contains("MyIngress.ipv4_lpm") && p.Contains("37375156"));
        Assert.Contains(problems, p => p.Contains("parameter id 1 is used twice"));
        Assert.Contains(problems, p => p.Contains("port_counter") && p.Contains("prefix 0x13"));
    }

    [Fact]
    public void Check_UnprefixedAnnotation_GetsTypePrefix()
    {
        var info = new P4.Config.V1.P4Info();
        info.Counters.Add(new Counter { Preamble = new Preamble { Id = 0x12000007, Name = "c", Annotations = { "@id(7)" } } });
        Assert.Empty(P4InfoIdChecker.Check(info).Problems);
    }

    [Fact]
    public void Check_HashCollision_ProbesLikeP4c()
    {
        // Two objects forced onto the same id: the second in sorted order moves to the next hash value.
        var info = new P4.Config.V1.P4Info();
        var first = P4IdAllocation.FromName(Prefix.Action, "a");
        info.Actions.Add(new P4.Config.V1.Action { Preamble = new Preamble { Id = first, Name = "pinned", Annotations = { $"@id({first})" } } });
        info.Actions.Add(new P4.Config.V1.Action { Preamble = new Preamble { Id = P4IdAllocation.Compose(Prefix.Action, P4IdAllocation.JenkinsOneAtATime("a") + 1), Name = "a" } });
        Assert.Empty(P4InfoIdChecker.Check(info).Problems);
    }

    // p4c 1.2.5 (p4c-bm2-ss --arch v1model) gives these to @controller_header("packet_in") header packet_in_t and
    // @controller_header("packet_out") header packet_out_t: the type's name is hashed, the annotation names the object.
    [Theory]
    [InlineData("packet_in", "packet_in_t", 80671331u)]
    [InlineData("packet_out", "packet_out_t", 75327753u)]
    public void Check_ControllerHeader_HashesTheHeaderTypeName(string name, string type, uint p4cId)
    {
        var source = new P4SourceFacts(new Dictionary<string, uint>(), new Dictionary<string, string> { [name] = type }, []);
        var info = new P4.Config.V1.P4Info();
        info.ControllerPacketMetadata.Add(new ControllerPacketMetadata { Preamble = new Preamble { Id = p4cId, Name = name } });
        var report = P4InfoIdChecker.Check(info, source);
        Assert.Empty(report.Problems);
        Assert.Empty(report.Unchecked);

        info.ControllerPacketMetadata[0].Preamble.Id = P4IdAllocation.FromName(Prefix.ControllerHeader, name);
        Assert.Contains($"p4c assigns {p4cId}", Assert.Single(P4InfoIdChecker.Check(info, source).Problems));
    }

    [Fact]
    public void Check_ControllerHeaderWithoutSource_Unchecked()
    {
        var info = new P4.Config.V1.P4Info();
        info.ControllerPacketMetadata.Add(new ControllerPacketMetadata { Preamble = new Preamble { Id = 0x04000001, Name = "packet_in" } });
        var report = P4InfoIdChecker.Check(info);
        Assert.Empty(report.Problems);
        Assert.Contains("packet_in", Assert.Single(report.Unchecked));
    }

    [Fact]
    public void SourceFacts_FollowsQuotedIncludes_IgnoresComments()
    {
        var directory = Directory.CreateTempSubdirectory("p4src-");
        try
        {
            Directory.CreateDirectory(Path.Combine(directory.FullName, "shared"));
            File.WriteAllText(Path.Combine(directory.FullName, "main.p4"),
                "#include <core.p4>\n#include \"shared/header.p4\"\n// @id(0x01000099) action commented_out() {}\n" +
                "control C() {\n  @id(0x12000001)\n  counter(8, CounterType.packets) hits;\n  @id(0x01000001)\n  @name(\"x\") action go(bit<8> v) { }\n" +
                "  /* @id(0x02000099) table gone { } */\n  @id(0x02000001) table pick { actions = { go; } }\n  apply { pick.apply(); }\n}\n");
            File.WriteAllText(Path.Combine(directory.FullName, "shared", "header.p4"),
                "@controller_header(\"packet_in\")\nheader punt_t { bit<16> port; }\n");
            var facts = P4SourceFacts.Read(Path.Combine(directory.FullName, "main.p4"));
            Assert.Equal(2, facts.Files.Count);
            Assert.Equal(new Dictionary<string, uint> { ["hits"] = 0x12000001, ["go"] = 0x01000001, ["pick"] = 0x02000001 }, facts.PinnedIds);
            Assert.Equal("punt_t", facts.ControllerHeaderTypes["packet_in"]);
            Assert.Equal(Path.Combine(directory.FullName, "main.p4"), P4SourceFacts.FindProgramFor(Path.Combine(directory.FullName, "main.p4info.txtpb")));
            Assert.Null(P4SourceFacts.FindProgramFor(Path.Combine(directory.FullName, "other.p4info.txtpb")));

            File.AppendAllText(Path.Combine(directory.FullName, "main.p4"), "#include \"missing.p4\"\n");
            Assert.Contains("missing.p4", Assert.Throws<P4InfoException>(() => P4SourceFacts.Read(Path.Combine(directory.FullName, "main.p4"))).Message);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
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
