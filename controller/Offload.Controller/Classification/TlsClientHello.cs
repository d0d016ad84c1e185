using System.Buffers.Binary;

namespace Offload.Controller.Classification;

/// <summary>Reads the session id of a TLS ClientHello at the start of a connection's first payload (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).</summary>
public static class TlsClientHello
{
    private const byte Handshake = 22, ClientHello = 1;

    /// <summary>True, with the id, when the payload starts with a ClientHello record that carries a non-empty session id.</summary>
    public static bool TryReadSessionId(ReadOnlySpan<byte> payload, out byte[] sessionId)
    {
        sessionId = [];
        // record: type(1) version(2) length(2); handshake: type(1) length(3); hello: version(2) random(32) session_id_length(1)
        const int SessionIdLengthAt = 5 + 4 + 2 + 32;
        if (payload.Length <= SessionIdLengthAt || payload[0] != Handshake || payload[1] != 3 || payload[5] != ClientHello)
            return false;
        var recordLength = BinaryPrimitives.ReadUInt16BigEndian(payload[3..]);
        var length = payload[SessionIdLengthAt];
        if (length is 0 or > 32 || SessionIdLengthAt + 1 + length > Math.Min(payload.Length, 5 + recordLength))
            return false;
        sessionId = payload.Slice(SessionIdLengthAt + 1, length).ToArray();
        return true;
    }
}
