using System.Collections;

namespace Offload.Grpc;

/// <summary>
/// Custom call metadata (headers or trailers). Keys ending in "-bin" carry binary
/// values, base64-encoded on the wire; all other values are printable ASCII.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    public static readonly Metadata Empty = new(readOnly: true);

    private readonly List<Entry> _entries = new();
    private readonly bool _readOnly;

    public Metadata() { }
    private Metadata(bool readOnly) => _readOnly = readOnly;

    public sealed record Entry(string Key, string? Value, byte[]? Bytes)
    {
        public bool IsBinary => Key.EndsWith(BinarySuffix, StringComparison.Ordinal);

        /// <summary>The header value as sent: text as it is, binary base64-encoded.</summary>
        internal string WireValue => Bytes is null ? Value! : Wire.Base64Metadata.Encode(Bytes);
    }

    public const string BinarySuffix = "-bin";

    public int Count => _entries.Count;

    public Metadata Add(string key, string value)
    {
        var k = ValidateKey(key);
        if (k.EndsWith(BinarySuffix, StringComparison.Ordinal))
            throw new ArgumentException($"metadata key '{k}' is binary: add a byte[] value", nameof(key));
        foreach (var c in value)
            if (c < 0x20 || c > 0x7e)
                throw new ArgumentException($"metadata value for '{k}' must be printable ASCII", nameof(value));
        Mutable().Add(new Entry(k, value, null));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        var k = ValidateKey(key);
        if (!k.EndsWith(BinarySuffix, StringComparison.Ordinal))
            throw new ArgumentException($"binary metadata key must end in '{BinarySuffix}': '{k}'", nameof(key));
        Mutable().Add(new Entry(k, null, value));
        return this;
    }

    /// <summary>
    /// Custom metadata from received headers: protocol headers are skipped, -bin values decoded,
    /// and a header gRPC cannot represent is dropped rather than failing the call.
    /// </summary>
    internal static Metadata FromHeaders(IEnumerable<(string Key, IEnumerable<string?> Values)> headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (Wire.GrpcProtocol.IsReserved(key))
                continue;
            foreach (var value in values)
            {
                if (value is null)
                    continue;
                try
                {
                    if (!key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase))
                        metadata.Add(key, value);
                    else if (Wire.Base64Metadata.TryDecode(value, out var bytes))
                        metadata.Add(key, bytes);
                }
                catch (ArgumentException)
                {
                }
            }
        }
        return metadata;
    }

    public Metadata AddRange(Metadata other)
    {
        foreach (var entry in other)
            Mutable().Add(entry);
        return this;
    }

    public string? GetValue(string key)
    {
        foreach (var e in _entries)
            if (string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase) && e.Value is not null)
                return e.Value;
        return null;
    }

    public byte[]? GetBytes(string key)
    {
        foreach (var e in _entries)
            if (string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase) && e.Bytes is not null)
                return e.Bytes;
        return null;
    }

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<Entry> Mutable() =>
        _readOnly ? throw new InvalidOperationException("metadata is read-only") : _entries;

    private static string ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
            throw new ArgumentException("metadata key is empty", nameof(key));
        var k = key.ToLowerInvariant();
        foreach (var c in k)
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
                throw new ArgumentException($"metadata key '{key}' has an invalid character '{c}'", nameof(key));
        if (k.StartsWith("grpc-", StringComparison.Ordinal) || k.StartsWith(':'))
            throw new ArgumentException($"metadata key '{key}' is reserved", nameof(key));
        return k;
    }
}
