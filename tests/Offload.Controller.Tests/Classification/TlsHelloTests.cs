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

    private static byte[] Record(byte type, params byte[][] handshakes)
    {
        byte[] body = [.. handshakes.SelectMany(h => h)];
        return [type, 0x03, 0x03, (byte)(body.Length >> 8), (byte)body.Length, .. body];
    }

    private static byte[] HandshakeMessage(byte type, byte[] body) => [type, 0, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    // A server's flight in pieces that split a record header and a record: ServerHello (id 5,5,5), Certificate,
    // NewSessionTicket (ticket 1..40), ChangeCipherSpec; then nothing more is read.
    [Fact]
    public void ServerFlight_SessionIdAndTicket_AcrossSegments_DoneAtChangeCipherSpec()
    {
        byte[] serverHello = [0x03, 0x03, .. new byte[32], 3, 5, 5, 5, 0x13, 0x01, 0x00];
        byte[] ticket = [.. Enumerable.Range(1, 40).Select(i => (byte)i)];
        byte[] newSessionTicket = [0, 0, 0x1c, 0x20, 0, (byte)ticket.Length, .. ticket];
        byte[] stream = [.. Record(22, HandshakeMessage(2, serverHello), HandshakeMessage(11, new byte[300])), .. Record(22, HandshakeMessage(4, newSessionTicket)),
            .. Record(20, [[1]]), .. Record(23, [new byte[10]])];
        var flight = new TlsServerFlight();
        foreach (var cut in new[] { 3, 120, 240 })
        {
            flight.Add(stream.AsSpan(0, cut));
            stream = stream[cut..];
        }
        Assert.Equal(new byte[] { 5, 5, 5 }, flight.SessionId);
        Assert.False(flight.Done);
        flight.Add(stream);
        Assert.Equal(ticket, flight.Ticket);
        Assert.True(flight.Done);
    }

    [Theory]
    [InlineData("17030300050102030405")]
    [InlineData("474554202f")]
    public void ServerFlight_NotAHandshake_Done(string hex)
    {
        var flight = new TlsServerFlight();
        flight.Add(Convert.FromHexString(hex));
        Assert.True(flight.Done);
        Assert.Null(flight.SessionId);
    }

    [Fact]
    public void ClientHelloTicket_ReadFromItsExtension()
    {
        byte[] ticket = [9, 8, 7, 6, 5];
        byte[] extensions = [0x00, 0x0a, 0x00, 0x02, 0x00, 0x17, 0x00, 0x23, 0x00, (byte)ticket.Length, .. ticket];
        byte[] body = [0x03, 0x03, .. new byte[32], 2, 1, 1, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0, (byte)extensions.Length, .. extensions];
        byte[] hello = [0x16, 0x03, 0x01, 0, (byte)(body.Length + 4), .. HandshakeMessage(1, body)];
        Assert.True(TlsHello.TryReadClientTicket(hello, out var read));
        Assert.Equal(ticket, read);
        Assert.False(TlsHello.TryReadClientTicket(Hello([1]), out _));
        Assert.False(TlsHello.TryReadClientTicket(hello[..60], out _));
    }
}
