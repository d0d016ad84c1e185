namespace Offload.Grpc.Wire;

/// <summary>Binary metadata values: emitted unpadded, accepted padded or unpadded.</summary>
internal static class Base64Metadata
{
    public static string Encode(ReadOnlySpan<byte> value) => Convert.ToBase64String(value).TrimEnd('=');

    public static bool TryDecode(string value, out byte[] bytes)
    {
        var trimmed = value.Trim();
        var padded = (trimmed.Length % 4) switch
        {
            2 => trimmed + "==",
            3 => trimmed + "=",
            _ => trimmed,
        };
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            bytes = Array.Empty<byte>();
            return false;
        }
    }
}
