using System.Text;

namespace Offload.Grpc.Wire;

/// <summary>grpc-message encoding: UTF-8, then every byte outside 0x20-0x7E and '%' as %XX.</summary>
internal static class PercentEncoding
{
    public static string Encode(string message)
    {
        var needs = false;
        foreach (var c in message)
            if (c is < ' ' or > '~' or '%') { needs = true; break; }
        if (!needs)
            return message;
        var sb = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is < 0x20 or > 0x7e or (byte)'%')
                sb.Append('%').Append(b.ToString("X2"));
            else
                sb.Append((char)b);
        }
        return sb.ToString();
    }

    /// <summary>Decodes leniently: a malformed escape is kept as it stands.</summary>
    public static string Decode(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded) || !encoded.Contains('%'))
            return encoded ?? "";
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length
                && Uri.IsHexDigit(encoded[i + 1]) && Uri.IsHexDigit(encoded[i + 2]))
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(encoded[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
