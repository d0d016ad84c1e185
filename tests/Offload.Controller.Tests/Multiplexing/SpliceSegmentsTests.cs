using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.Multiplexing;
using Offload.Tests.Common.Packets;
using Xunit;

namespace Offload.Controller.Tests.Multiplexing;

/// <summary>The segments the splicer writes and reads, against scapy; and what a first payload is taken for.</summary>
public sealed class SpliceSegmentsTests
{
    [Fact]
    public async Task SynAckAndBackendSyn_AreWhatScapyBuilds_AndReadBack()
    {
        var synAck = new TcpSegment(0x000000000002, 0x020000000004, 4, 0xc6126404, 0xc6120002, 443, 40000, 0xfffffff0, 1001,
            0x12, 65535, TcpSegment.MssOption(1460), []);
        var syn6 = new TcpSegment(0x000000000113, 0x00aa00000001, 6, UInt128.Parse("42540766411282592856903984951653826562"), 1, 40000, 9000, 1000,
            0, 0x02, 29200, TcpSegment.MssOption(1440), []);
        var data = synAck with { Flags = 0x18, Options = [], Payload = "VPN1 hello"u8.ToArray() };
        var expected = await Scapy.BuildAsync(
            "Ether(dst='00:00:00:00:00:02', src='02:00:00:00:00:04')/IP(src='198.18.100.4', dst='198.18.0.2', id=0, flags='DF', ttl=64)"
            + "/TCP(sport=443, dport=40000, seq=4294967280, ack=1001, flags='SA', window=65535, options=[('MSS', 1460)])",
            "Ether(dst='00:00:00:00:01:13', src='00:aa:00:00:00:01')/IPv6(src='2001:db8::2', dst='::1', hlim=64)"
            + "/TCP(sport=40000, dport=9000, seq=1000, ack=0, flags='S', window=29200, options=[('MSS', 1440)])",
            "Ether(dst='00:00:00:00:00:02', src='02:00:00:00:00:04')/IP(src='198.18.100.4', dst='198.18.0.2', id=0, flags='DF', ttl=64)"
            + "/TCP(sport=443, dport=40000, seq=4294967280, ack=1001, flags='PA', window=65535)/'VPN1 hello'");
        Assert.Equal(Convert.ToHexString(expected[0]), Convert.ToHexString(synAck.ToFrame()));
        Assert.Equal(Convert.ToHexString(expected[1]), Convert.ToHexString(syn6.ToFrame()));
        Assert.Equal(Convert.ToHexString(expected[2]), Convert.ToHexString(data.ToFrame()));

        var read = TcpSegment.Parse(expected[0])!;
        Assert.Equal((synAck.Seq, synAck.Ack, synAck.Flags, (ushort?)1460), (read.Seq, read.Ack, read.Flags, read.Mss));
        Assert.Equal("VPN1 hello"u8.ToArray(), TcpSegment.Parse(expected[2])!.Payload);
        Assert.Null(TcpSegment.Parse(expected[0].AsSpan(0, 30)));
    }

    [Theory]
    [InlineData("16030100a5010000a103", PayloadKind.Tls)]
    [InlineData("050100", PayloadKind.Socks5)]
    [InlineData("05020002", PayloadKind.Socks5)]
    [InlineData("0502000200", PayloadKind.Other)]
    [InlineData("474554202f20485454502f312e310d0a", PayloadKind.Http)]
    [InlineData("434f4e4e45435420", PayloadKind.Http)]
    [InlineData("47455420", PayloadKind.Http)]
    [InlineData("474554", PayloadKind.Other)]
    [InlineData("56504e31000102", PayloadKind.Other)]
    [InlineData("", PayloadKind.Other)]
    public void FirstPayload_Kind(string hex, PayloadKind kind) => Assert.Equal(kind, PayloadKinds.Of(Convert.FromHexString(hex)));
}

/// <summary>What per-request routing reads of a request: its path, and its Host without the port.</summary>
public sealed class HttpRequestHeadTests
{
    [Theory]
    [InlineData("GET /api/x HTTP/1.1\r\nHost: api.example:443\r\nAccept: */*\r\n\r\n", "/api/x", "api.example")]
    [InlineData("POST /upload HTTP/1.0\r\nhost:  static.example \r\n\r\n", "/upload", "static.example")]
    [InlineData("GET / HTTP/1.1\r\nX: y\r\n\r\nHost: late.example\r\n", "/", null)]
    [InlineData("GET /split HTTP/1.1", "/split", null)]
    [InlineData("GET [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "[::1]:80", "[::1]:80")]
    public void RequestHead_PathAndHost(string request, string path, string? host)
    {
        Assert.True(HttpRequestHead.TryRead(System.Text.Encoding.ASCII.GetBytes(request), out var readPath, out var readHost));
        Assert.Equal((path, host), (readPath, readHost));
    }

    [Theory]
    [InlineData("GET /\r\n\r\n")]
    [InlineData("VPN1 hello")]
    [InlineData("GET / SPDY/3\r\n\r\n")]
    public void NotAnHttp1Request_False(string payload) =>
        Assert.False(HttpRequestHead.TryRead(System.Text.Encoding.ASCII.GetBytes(payload), out _, out _));
}
