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

    /// <summary>True, with the ticket, when the payload starts with a ClientHello whose SessionTicket extension (RFC 5077) carries one.</summary>
    public static bool TryReadClientTicket(ReadOnlySpan<byte> payload, out byte[] ticket)
    {
        ticket = [];
        const int SessionIdLengthAt = 5 + 4 + 2 + 32;
        if (payload.Length <= SessionIdLengthAt || payload[0] != Handshake || payload[1] != 3 || payload[5] != ClientHello)
            return false;
        var hello = payload[..Math.Min(payload.Length, 5 + BinaryPrimitives.ReadUInt16BigEndian(payload[3..]))];
        var at = SessionIdLengthAt + 1 + hello[SessionIdLengthAt];
        if (hello.Length < at + 2)
            return false;
        at += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);       // cipher suites
        if (hello.Length < at + 1)
            return false;
        at += 1 + hello[at];                                               // compression methods
        if (hello.Length < at + 2)
            return false;
        var end = Math.Min(hello.Length, at + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[at..]));
        for (at += 2; at + 4 <= end;)
        {
            var (type, length) = (BinaryPrimitives.ReadUInt16BigEndian(hello[at..]), BinaryPrimitives.ReadUInt16BigEndian(hello[(at + 2)..]));
            if (at + 4 + length > end)
                return false;
            if (type == SessionTicketExtension && length > 0)
            {
                ticket = hello.Slice(at + 4, length).ToArray();
                return true;
            }
            at += 4 + length;
        }
        return false;
    }

    private const ushort SessionTicketExtension = 35;

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

/// <summary>
/// Follows a TLS server's first bytes, across segments, for what names a session: the ServerHello's session id and a
/// NewSessionTicket's ticket (TLS ≤ 1.2 sends it in the clear, before its ChangeCipherSpec). Done once the server
/// changes cipher spec or sends application data (nothing after is readable), or when more than 64 KiB would be held.
/// </summary>
public sealed class TlsServerFlight
{
    private const byte ChangeCipherSpec = 20, Alert = 21, Handshake = 22, ApplicationData = 23, ServerHelloType = 2, NewSessionTicketType = 4;
    private const int MaxHeld = 64 * 1024;
    private byte[] _held = [];

    public byte[]? SessionId { get; private set; }
    public byte[]? Ticket { get; private set; }
    public bool Done { get; private set; }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        if (Done)
            return;
        _held = [.. _held, .. bytes];
        var at = 0;
        while (_held.Length - at >= 5)
        {
            var type = _held[at];
            var length = BinaryPrimitives.ReadUInt16BigEndian(_held.AsSpan(at + 3));
            if (type is < ChangeCipherSpec or > ApplicationData || _held[at + 1] != 3)
            {
                Done = true;
                return;
            }
            if (_held.Length - at < 5 + length)
                break;
            var record = _held.AsSpan(at + 5, length);
            if (type is ChangeCipherSpec or ApplicationData or Alert)
            {
                Done = true;
                return;
            }
            ReadHandshakes(record);
            at += 5 + length;
        }
        _held = _held[at..];
        Done |= _held.Length > MaxHeld;
    }

    private void ReadHandshakes(ReadOnlySpan<byte> record)
    {
        while (record.Length >= 4)
        {
            var length = (record[1] << 16) | (record[2] << 8) | record[3];
            if (record.Length < 4 + length)
                return;
            var body = record.Slice(4, length);
            if (record[0] == ServerHelloType && body.Length > 34 && body[34] is > 0 and <= 32 && body.Length >= 35 + body[34])
                SessionId = body.Slice(35, body[34]).ToArray();
            else if (record[0] == NewSessionTicketType && body.Length >= 6)
            {
                var ticketLength = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
                if (ticketLength > 0 && body.Length >= 6 + ticketLength)
                    Ticket = body.Slice(6, ticketLength).ToArray();
            }
            record = record[(4 + length)..];
        }
    }
}
