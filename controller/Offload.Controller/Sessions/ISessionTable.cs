namespace Offload.Controller.Sessions;

/// <summary>What a higher-level session is recognised by.</summary>
public enum SessionKind : byte
{
    /// <summary>Every connection from one client address (source-IP affinity).</summary>
    SourceIp = 1,

    /// <summary>A TLS session id (or the hash of a session ticket) from the ClientHello.</summary>
    TlsSession = 2,
}

/// <summary>A session of one VIP: its kind and up to 32 bytes of identity (an address, a TLS session id).</summary>
public readonly record struct SessionKey(int VipId, SessionKind Kind, UInt128 High, UInt128 Low)
{
    public static SessionKey SourceIp(int vipId, UInt128 client) => new(vipId, SessionKind.SourceIp, 0, client);

    /// <summary>A TLS session ticket (RFC 5077), by its SHA-256: the same key space as session ids, which never collide with it in practice.</summary>
    public static SessionKey TlsTicket(int vipId, ReadOnlySpan<byte> ticket) => TlsSession(vipId, System.Security.Cryptography.SHA256.HashData(ticket));

    /// <summary>A TLS session id of 1 to 32 bytes.</summary>
    public static SessionKey TlsSession(int vipId, ReadOnlySpan<byte> sessionId)
    {
        if (sessionId.Length is 0 or > 32)
            throw new ArgumentException($"a TLS session id has 1 to 32 bytes, not {sessionId.Length}", nameof(sessionId));
        Span<byte> padded = stackalloc byte[32];
        sessionId.CopyTo(padded);
        return new(vipId, SessionKind.TlsSession, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(padded[..16]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(padded[16..]) ^ (UInt128)sessionId.Length);
    }
}

/// <summary>
/// Higher-level sessions → backend, each forgotten once unused for the timeout: affinity. In memory here; a
/// replicated implementation keeps affinity across controllers.
/// </summary>
public interface ISessionTable
{
    int Count { get; }

    /// <summary>The session's backend while it was used within the timeout.</summary>
    int? Lookup(SessionKey session);

    /// <summary>Binds the session to a backend, or refreshes it, as of now.</summary>
    void Bind(SessionKey session, int backendId);

    /// <summary>Forgets sessions unused for the timeout; returns how many.</summary>
    int Expire();
}
