using Google.Protobuf;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using P4.V1;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Plumbing;

/// <summary>The fast connection encoder writes exactly what the name-checked builders write, and reads it back.</summary>
public sealed class ConnectionEncoderTests
{
    private static readonly P4InfoIndex P4Info = P4InfoIndex.Load(RepoPaths.Get("p4", "offload.p4info.txtpb"));
    private readonly ConnectionEncoder _encoder = new(P4Info);

    [Fact]
    public void Ipv4_SameAsBuilders_AndReadBack()
    {
        var key = new ConnectionKey(4, 0x0a000002, 0x0a006401, 6, 40000, 80);
        var forward = _encoder.Forward(key, 7, 60_000_000_000);
        Assert.Equal(new TableEntryBuilder(P4Info, OffloadP4.ConnV4).Exact("ipv4_src", "10.0.0.2").Exact("ipv4_dst", "10.0.100.1")
            .Exact("ip_proto", 6).Exact("l4_src_port", 40000).Exact("l4_dst_port", 80)
            .Action(OffloadP4.Forward, ("backend_id", 7), ("seq_delta", 0), ("ack_delta", 0)).IdleTimeout(TimeSpan.FromSeconds(60)).Build(), forward);
        var reverse = _encoder.Reverse(key, new BackendEndpoint(0x0a00010b, 8080), 7, 0x0a006401, 80);
        Assert.Equal(new TableEntryBuilder(P4Info, OffloadP4.ReverseConnV4).Exact("ipv4_src", "10.0.1.11").Exact("ipv4_dst", "10.0.0.2")
            .Exact("ip_proto", 6).Exact("l4_src_port", 8080).Exact("l4_dst_port", 40000)
            .Action(OffloadP4.ReverseNatV4, ("backend_id", 7), ("vip_addr", "10.0.100.1"), ("vip_port", 80), ("seq_delta", 0), ("ack_delta", 0)).Build(), reverse);
        Assert.Equal((key, 7, default(Splice)), _encoder.Read(forward));
    }

    // A spliced connection: the client's acknowledgments move by the backend's ISN less ours (wrapping); its replies'
    // sequence numbers move back by as much.
    [Fact]
    public void Spliced_DeltasOnBothEntries_ReadBack()
    {
        var key = new ConnectionKey(4, 0x0a000002, 0x0a006401, 6, 40000, 443);
        var splice = new Splice(0, unchecked(0x10u - 0xfffffff0u));
        Assert.Equal(0x20u, splice.AckDelta);
        var forward = _encoder.Forward(key, 7, 60_000_000_000, splice);
        Assert.Equal(new TableEntryBuilder(P4Info, OffloadP4.ConnV4).Exact("ipv4_src", "10.0.0.2").Exact("ipv4_dst", "10.0.100.1")
            .Exact("ip_proto", 6).Exact("l4_src_port", 40000).Exact("l4_dst_port", 443)
            .Action(OffloadP4.Forward, ("backend_id", 7), ("seq_delta", 0), ("ack_delta", 0x20)).IdleTimeout(TimeSpan.FromSeconds(60)).Build(), forward);
        Assert.Equal((key, 7, splice), _encoder.Read(forward));
        Assert.Equal(Hex(P4RuntimeClient.Insert(new Entity { TableEntry = forward })), Hex(_encoder.ForwardInsert(key, 7, 60_000_000_000, splice)));
        Assert.Equal(new TableEntryBuilder(P4Info, OffloadP4.ReverseConnV4).Exact("ipv4_src", "10.0.1.11").Exact("ipv4_dst", "10.0.0.2")
            .Exact("ip_proto", 6).Exact("l4_src_port", 8443).Exact("l4_dst_port", 40000)
            .Action(OffloadP4.ReverseNatV4, ("backend_id", 7), ("vip_addr", "10.0.100.1"), ("vip_port", 443), ("seq_delta", 0xffffffe0u), ("ack_delta", 0)).Build(),
            _encoder.Reverse(key, new BackendEndpoint(0x0a00010b, 8443), 7, 0x0a006401, 443, splice));
    }

    [Fact]
    public void Ipv6_SameAsBuilders()
    {
        var client = UInt128.Parse("42540766411282592856903984951653826562"); // 2001:db8::2
        var vip = new UInt128(0x20010db801000000, 1);                        // 2001:db8:100::1
        var key = new ConnectionKey(6, client, vip, 17, 5353, 53);
        Assert.Equal(new TableEntryBuilder(P4Info, OffloadP4.ConnV6).Exact("ipv6_src", "2001:db8::2").Exact("ipv6_dst", "2001:db8:100::1")
            .Exact("ip_proto", 17).Exact("l4_src_port", 5353).Exact("l4_dst_port", 53)
            .Action(OffloadP4.Forward, ("backend_id", 1), ("seq_delta", 0), ("ack_delta", 0)).Build(), _encoder.Forward(key, 1, 0));
    }

    [Fact]
    public void EncodedInserts_AreTheBytesGoogleProtobufWrites()
    {
        var keys = new[]
        {
            new ConnectionKey(4, 0x0a000002, 0x0a006401, 6, 40000, 80),
            new ConnectionKey(4, 0, 0xffffffff, 17, 0, 65535),
            new ConnectionKey(6, UInt128.MaxValue, new UInt128(0x20010db801000000, 1), 6, 1, 443),
        };
        var backend = new BackendEndpoint(0x0a00010b, 8080);
        foreach (var key in keys)
        {
            foreach (var idle in new[] { 0L, 1L, 60_000_000_000L })
            {
                Assert.Equal(Hex(P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Forward(key, 65535, idle) })), Hex(_encoder.ForwardInsert(key, 65535, idle)));
                Assert.Equal(_encoder.Drop(key, idle).IdleTimeoutNs, idle);
            }
            Assert.Equal(Hex(P4RuntimeClient.Insert(new Entity { TableEntry = _encoder.Reverse(key, backend, 0, 0, 0) })), Hex(_encoder.ReverseInsert(key, backend, 0, 0, 0)));
            var drop = _encoder.Drop(key, 5);
            Assert.Equal(_encoder.ForwardKey(key).Match, drop.Match);
            Assert.Null(_encoder.ForwardKey(key).Action);
            Assert.Empty(drop.Action.Action.Params);
        }
    }

    private static string Hex(Update update) => Convert.ToHexString(update.ToByteArray());

    private static string Hex(ByteString bytes) => Convert.ToHexString(bytes.Span);
}
