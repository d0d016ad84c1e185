using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using Xunit;

namespace Offload.P4Runtime.Tests.Entities;

public sealed class TableEntryBuilderTests
{
    private static TableEntryBuilder Lpm() => new(TestP4Info.Index, "MyIngress.ipv4_lpm");
    private static TableEntryBuilder Acl() => new(TestP4Info.Index, "acl");

    [Fact]
    public void Build_LpmEntry_IdsAndCanonicalValues()
    {
        var entry = Lpm().Lpm("hdr.ipv4.dstAddr", "10.0.0.0/8")
            .Action("ipv4_forward", ("dstAddr", "00:00:00:00:00:01"), ("port", 2)).Build();
        Assert.Equal(37375156u, entry.TableId);
        var match = Assert.Single(entry.Match);
        Assert.Equal(1u, match.FieldId);
        Assert.Equal("0A000000", Convert.ToHexString(match.Lpm.Value.Span));
        Assert.Equal(8, match.Lpm.PrefixLen);
        Assert.Equal(28792405u, entry.Action.Action.ActionId);
        Assert.Equal(["01", "02"], entry.Action.Action.Params.Select(p => Convert.ToHexString(p.Value.Span)));
        Assert.Equal(0, entry.Priority);
    }

    [Fact]
    public void Build_TernaryRangeOptional_WithPriority()
    {
        var entry = Acl().Ternary("hdr.ipv4.srcAddr", "10.0.0.0", "255.0.0.0").Range("hdr.tcp.dstPort", 1000, 2000)
            .Optional("standard_metadata.ingress_port", 3).Priority(10).Action("drop").Build();
        Assert.Equal(3, entry.Match.Count);
        Assert.Equal(10, entry.Priority);
    }

    [Fact]
    public void Lpm_ZeroPrefix_IsAWildcard()
    {
        var entry = Lpm().Lpm("hdr.ipv4.dstAddr", "0.0.0.0/0").Action("drop").Build();
        Assert.Empty(entry.Match);
    }

    [Fact]
    public void Build_IndirectTable_MemberGroupAndOneShot()
    {
        var member = new TableEntryBuilder(TestP4Info.Index, "MyIngress.lb").Exact("hdr.ipv4.dstAddr", "10.0.0.100")
            .Exact("hdr.ipv4.protocol", 6).Member(7).IdleTimeout(TimeSpan.FromSeconds(10)).Build();
        Assert.Equal(7u, member.Action.ActionProfileMemberId);
        Assert.Equal(10_000_000_000, member.IdleTimeoutNs);
        var oneShot = new TableEntryBuilder(TestP4Info.Index, "MyIngress.lb").Exact("hdr.ipv4.dstAddr", "10.0.0.100")
            .Exact("hdr.ipv4.protocol", 6)
            .ActionSet([
                ("set_backend", new Dictionary<string, P4Value> { ["addr"] = "10.0.1.1", ["port"] = 80 }, 2, ByteString.CopyFrom(1)),
                ("set_backend", new Dictionary<string, P4Value> { ["addr"] = "10.0.1.2", ["port"] = 80 }, 1, null),
            ]).Build();
        Assert.Equal(2, oneShot.Action.ActionProfileActionSet.ActionProfileActions.Count);
        Assert.Equal("01", Convert.ToHexString(oneShot.Action.ActionProfileActionSet.ActionProfileActions[0].WatchPort.Span));
    }

    public static TheoryData<string, Func<TableEntryBuilder>> Invalid => new()
    {
        { "unknown table 'nope'", () => new TableEntryBuilder(TestP4Info.Index, "nope") },
        { "has no match field 'hdr.ipv4.src'", () => Lpm().Lpm("hdr.ipv4.src", "10.0.0.0/8") },
        { "is lpm, not exact", () => Lpm().Exact("hdr.ipv4.dstAddr", 1) },
        { "bits set beyond the prefix", () => Lpm().Lpm("hdr.ipv4.dstAddr", "10.0.0.1/8") },
        { "prefix length 33", () => Lpm().Lpm("hdr.ipv4.dstAddr", "10.0.0.0", 33) },
        { "does not fit in 32 bits", () => Lpm().Lpm("hdr.ipv4.dstAddr", (P4Value)0x1_0000_0000L, 32) },
        { "zero mask is a wildcard", () => Acl().Ternary("hdr.ipv4.srcAddr", 0, 0) },
        { "bits outside mask", () => Acl().Ternary("hdr.ipv4.srcAddr", "10.0.0.1", "255.0.0.0") },
        { "range low 20 is above high 10", () => Acl().Range("hdr.tcp.dstPort", 20, 10) },
        { "is set twice", () => Acl().Optional("standard_metadata.ingress_port", 1).Optional("standard_metadata.ingress_port", 2) },
        { "a priority is required", () => { Acl().Ternary("hdr.ipv4.srcAddr", "10.0.0.0", "255.0.0.0").Action("drop").Build(); return Acl(); } },
        { "it takes no priority", () => { Lpm().Lpm("hdr.ipv4.dstAddr", "10.0.0.0/8").Priority(1).Action("drop").Build(); return Lpm(); } },
        { "exact field 'hdr.ipv4.protocol' is required", () => { new TableEntryBuilder(TestP4Info.Index, "lb").Exact("hdr.ipv4.dstAddr", 1).Member(1).Build(); return Lpm(); } },
        { "not an action of table", () => Lpm().Action("set_backend", ("addr", 1), ("port", 1)) },
        { "@defaultonly", () => Lpm().Action("NoAction") },
        { "needs parameter 'port'", () => Lpm().Action("ipv4_forward", ("dstAddr", 1)) },
        { "has no parameter 'mac'", () => Lpm().Action("ipv4_forward", ("dstAddr", 1), ("port", 1), ("mac", 1)) },
        { "does not fit in 9 bits", () => Lpm().Action("ipv4_forward", ("dstAddr", 1), ("port", 512)) },
        { "is indirect", () => new TableEntryBuilder(TestP4Info.Index, "lb").Action("set_backend", ("addr", 1), ("port", 1)) },
        { "is direct", () => Lpm().Member(1) },
        { "member id 0 is reserved", () => new TableEntryBuilder(TestP4Info.Index, "lb").Member(0) },
        { "does not support idle timeouts", () => Lpm().IdleTimeout(TimeSpan.FromSeconds(1)) },
        { "no action set", () => { Lpm().Lpm("hdr.ipv4.dstAddr", "10.0.0.0/8").Build(); return Lpm(); } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Builder_InvalidInput_ClearError(string expected, Func<TableEntryBuilder> build)
    {
        var error = Assert.ThrowsAny<Exception>(() => build());
        Assert.True(error is P4InfoException or P4EncodingException, error.GetType().Name);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void DefaultEntry_ModifyWithDefaultOnlyAction_Allowed()
    {
        var entry = Lpm().AsDefault().Action("NoAction").Build();
        Assert.True(entry.IsDefaultAction);
        Assert.Empty(entry.Match);
    }

    [Fact]
    public void PacketOut_AllMetadataByName_CanonicalValues()
    {
        var packet = PacketIo.PacketOut(TestP4Info.Index, [1, 2, 3],
            new Dictionary<string, P4Value> { ["egress_port"] = 5, ["_pad"] = 0 });
        Assert.Equal(["05", "00"], packet.Metadata.Select(m => Convert.ToHexString(m.Value.Span)));
        Assert.Contains("needs metadata '_pad'", Assert.Throws<P4InfoException>(() =>
            PacketIo.PacketOut(TestP4Info.Index, [], new Dictionary<string, P4Value> { ["egress_port"] = 5 })).Message);
        Assert.Contains("no metadata 'port'", Assert.Throws<P4InfoException>(() =>
            PacketIo.PacketOut(TestP4Info.Index, [], new Dictionary<string, P4Value> { ["port"] = 5 })).Message);
    }

    [Fact]
    public void PacketIn_PaddedMetadata_Canonicalized()
    {
        var packet = new P4.V1.PacketIn { Metadata = { new P4.V1.PacketMetadata { MetadataId = 1, Value = ByteString.CopyFrom(0, 3) } } };
        var metadata = PacketIo.Metadata(TestP4Info.Index, packet);
        Assert.Equal(3ul, P4Bytes.ToUInt64(metadata["ingress_port"]));
        Assert.Equal("03", Convert.ToHexString(metadata["ingress_port"].Span));
    }
}
