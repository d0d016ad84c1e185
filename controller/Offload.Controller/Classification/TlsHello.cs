using System.Buffers.Binary;

namespace Offload.Controller.Classification;

/// <summary>
/// Reads the session id of a TLS ClientHello or ServerHello at the start of a payload (RFC 5246 §7.4.1.2, RFC 8446
/// §4.1.2): a resumed TLS ≤ 1.2 session is named by the id the server gave it in its ServerHello and the client
/// offers again in its ClientHello.
/// </summary>
public static class TlsHello
{
    private const byte Handshake = 22, ClientHello = 1, ServerHello = 2;

    /// <summary>True, with the id, when the payload starts with a ClientHello record that carries a non-empty session id.</summary>
    public static bool TryReadClientSessionId(ReadOnlySpan<byte> payload, out byte[] sessionId) => TryRead(payload, ClientHello, out sessionId);

    /// <summary>True, with the id, when the payload starts with a ServerHello record that carries a non-empty session id.</summary>
    public static bool TryReadServerSessionId(ReadOnlySpan<byte> payload, out byte[] sessionId) => TryRead(payload, ServerHello, out sessionId);

    private static bool TryRead(ReadOnlySpan<byte> payload, byte hello, out byte[] sessionId)
    {
        sessionId = [];
        // record: type(1) version(2) length(2); handshake: type(1) length(3); hello: version(2) random(32) session_id_length(1)
        const int SessionIdLengthAt = 5 + 4 + 2 + 32;
        if (payload.Length <= SessionIdLengthAt || payload[0] != Handshake || payload[1] != 3 || payload[5] != hello)
            return false;
        var recordLength = BinaryPrimitives.ReadUInt16BigEndian(payload[3..]);
        var length = payload[SessionIdLengthAt];
        if (length is 0 or > 32 || SessionIdLengthAt + 1 + length > Math.Min(payload.Length, 5 + recordLength))
            return false;
        sessionId = payload.Slice(SessionIdLengthAt + 1, length).ToArray();
        return true;
    }
}
