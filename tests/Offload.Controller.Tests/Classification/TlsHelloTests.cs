using Offload.Controller.Classification;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Classification;

public sealed class TlsHelloTests
{
    private static byte[] Hello(byte[] sessionId)
    {
        byte[] body = [0x03, 0x03, .. new byte[32], (byte)sessionId.Length, .. sessionId, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        byte[] handshake = [0x01, 0, (byte)(body.Length >> 8), (byte)body.Length, .. body];
        return [0x16, 0x03, 0x01, (byte)(handshake.Length >> 8), (byte)handshake.Length, .. handshake];
    }

    [Fact]
    public async Task OpenSslClientHello_ItsSessionIdRead()
    {
        var (exit, output) = await PythonPeer.RunAsync("tls_client_hello.py", TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        var hello = Convert.FromHexString(output.Trim());
        Assert.True(TlsHello.TryReadClientSessionId(hello, out var id));
        Assert.Equal(32, id.Length); // TLS 1.3 clients send a random legacy session id (RFC 8446 appendix D.4)
        Assert.Equal(hello.AsSpan(44, 32).ToArray(), id);
    }

    [Fact]
    public void KnownSessionId_Read()
    {
        Assert.True(TlsHello.TryReadClientSessionId(Hello([1, 2, 3, 4]), out var id));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, id);
    }

    [Fact]
    public void ServerHelloSessionId_ReadOnlyAsAServers()
    {
        byte[] hello = Hello([7, 7, 7]);
        byte[] server = [.. hello[..5], 0x02, .. hello[6..]];
        Assert.True(TlsHello.TryReadServerSessionId(server, out var id));
        Assert.Equal(new byte[] { 7, 7, 7 }, id);
        Assert.False(TlsHello.TryReadServerSessionId(hello, out _));
    }

    [Theory]
    [InlineData("no session id")]
    [InlineData("truncated")]
    [InlineData("not a handshake")]
    [InlineData("a server hello")]
    [InlineData("empty")]
    public void NoSessionId_False(string what)
    {
        var hello = Hello([9, 9, 9]);
        var payload = what switch
        {
            "no session id" => Hello([]),
            "truncated" => hello[..45],
            "not a handshake" => [0x17, .. hello[1..]],
            "a server hello" => [.. hello[..5], 0x02, .. hello[6..]],
            _ => [],
        };
        Assert.False(TlsHello.TryReadClientSessionId(payload, out _));
    }
}
