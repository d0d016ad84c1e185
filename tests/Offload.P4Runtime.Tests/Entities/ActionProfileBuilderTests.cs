using Google.Protobuf;
using Offload.P4Runtime.Bytestrings;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using Xunit;

namespace Offload.P4Runtime.Tests.Entities;

public sealed class ActionProfileBuilderTests
{
    [Fact]
    public void MemberAndGroup_FromNames()
    {
        var member = ActionProfileBuilder.Member(TestP4Info.Index, "lb_selector", 1, "set_backend",
            new Dictionary<string, P4Value> { ["addr"] = "10.0.1.1", ["port"] = 443 });
        Assert.Equal(298421632u, member.ActionProfileId);
        Assert.Equal("01BB", Convert.ToHexString(member.Action.Params[1].Value.Span));
        var group = ActionProfileBuilder.Group(TestP4Info.Index, "MyIngress.lb_selector", 10,
            [(1, 3, ByteString.CopyFrom(2)), (2, 1, null)], maxSize: 16);
        Assert.Equal(2, group.Members.Count);
        Assert.Equal(16, group.MaxSize);
    }

    [Theory]
    [InlineData("member id 0 is reserved")]
    [InlineData("not an action of table")]
    [InlineData("appears twice")]
    [InlineData("needs a positive weight")]
    [InlineData("has size 70, more than 64")]
    [InlineData("max size 100 outside 0..64")]
    public void InvalidProfileEntities_ClearError(string expected)
    {
        var error = Assert.Throws<P4InfoException>(() =>
        {
            switch (expected)
            {
                case "member id 0 is reserved":
                    ActionProfileBuilder.Member(TestP4Info.Index, "lb_selector", 0, "set_backend");
                    break;
                case "not an action of table":
                    ActionProfileBuilder.Member(TestP4Info.Index, "lb_selector", 1, "ipv4_forward");
                    break;
                case "appears twice":
                    ActionProfileBuilder.Group(TestP4Info.Index, "lb_selector", 1, [(1, 1, null), (1, 1, null)]);
                    break;
                case "needs a positive weight":
                    ActionProfileBuilder.Group(TestP4Info.Index, "lb_selector", 1, [(1, 0, null)]);
                    break;
                case "has size 70, more than 64":
                    ActionProfileBuilder.Group(TestP4Info.Index, "lb_selector", 1, [(1, 35, null), (2, 35, null)]);
                    break;
                default:
                    ActionProfileBuilder.Group(TestP4Info.Index, "lb_selector", 1, [(1, 1, null)], maxSize: 100);
                    break;
            }
        });
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Digest_DecodedByMemberName()
    {
        var list = new P4.V1.DigestList
        {
            DigestId = 397109657,
            Data =
            {
                new P4.V1.P4Data { Struct = new P4.V1.P4StructLike { Members =
                {
                    new P4.V1.P4Data { Bitstring = ByteString.CopyFrom(0, 0, 10, 0, 0, 1) },
                    new P4.V1.P4Data { Bitstring = ByteString.CopyFrom(0x1f, 0x90) },
                } } },
            },
        };
        var entry = Assert.Single(DigestDecoder.Decode(TestP4Info.Index, list));
        Assert.Equal("10.0.0.1", P4Bytes.Format(entry["src_addr"], 32));
        Assert.Equal(8080ul, P4Bytes.ToUInt64(entry["backend"]));
        list.Data[0].Struct.Members.RemoveAt(1);
        Assert.Throws<P4InfoException>(() => DigestDecoder.Decode(TestP4Info.Index, list));
    }
}
