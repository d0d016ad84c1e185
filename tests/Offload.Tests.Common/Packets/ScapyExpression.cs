using System.Globalization;
using System.Text;

namespace Offload.Tests.Common.Packets;

/// <summary>One layer of a scapy expression: Name(field=value, ...), or a bare string payload.</summary>
public sealed record ScapyLayer(string Name, IReadOnlyDictionary<string, object> Fields)
{
    public bool Has(string field) => Fields.ContainsKey(field);

    public long Int(string field, long fallback) => Fields.TryGetValue(field, out var v)
        ? v switch
        {
            long l => l,
            string s => throw new FormatException($"{Name}.{field}: expected a number, got '{s}'"),
            _ => throw new FormatException($"{Name}.{field}: expected a number"),
        }
        : fallback;

    public string Text(string field, string fallback) => Fields.TryGetValue(field, out var v) ? v.ToString()! : fallback;

    public byte[] Bytes(string field) => Fields.TryGetValue(field, out var v)
        ? v switch { byte[] b => b, string s => Encoding.Latin1.GetBytes(s), _ => throw new FormatException($"{Name}.{field}: expected bytes") }
        : [];
}

/// <summary>
/// Parses the subset of scapy's syntax the packet test vectors use, e.g.
/// <c>Ether(dst="00:00:00:00:00:01", src="...")/IP(src="10.0.0.2", dst="10.0.100.1")/TCP(sport=40000, dport=80, flags="S")/"hello"</c>.
/// </summary>
public static class ScapyExpression
{
    public static IReadOnlyList<ScapyLayer> Parse(string text)
    {
        var reader = new Reader(text);
        var layers = new List<ScapyLayer>();
        while (true)
        {
            reader.SkipSpace();
            if (reader.Peek() is '"' or '\'' || reader.StartsWith("b\"") || reader.StartsWith("b'"))
                layers.Add(new ScapyLayer("Raw", new Dictionary<string, object> { ["load"] = reader.ReadLiteral() }));
            else
                layers.Add(ReadLayer(reader));
            reader.SkipSpace();
            if (reader.AtEnd)
                return layers;
            reader.Expect('/');
        }
    }

    private static ScapyLayer ReadLayer(Reader reader)
    {
        var name = reader.ReadIdentifier();
        var fields = new Dictionary<string, object>(StringComparer.Ordinal);
        reader.SkipSpace();
        if (reader.Peek() != '(')
            return new ScapyLayer(name, fields);
        reader.Expect('(');
        reader.SkipSpace();
        while (reader.Peek() != ')')
        {
            var field = reader.ReadIdentifier();
            reader.SkipSpace();
            reader.Expect('=');
            reader.SkipSpace();
            fields[field] = reader.ReadLiteral();
            reader.SkipSpace();
            if (reader.Peek() == ',')
            {
                reader.Expect(',');
                reader.SkipSpace();
            }
        }
        reader.Expect(')');
        return new ScapyLayer(name, fields);
    }

    private sealed class Reader(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;
        public char Peek() => AtEnd ? '\0' : text[_at];
        public bool StartsWith(string prefix) => string.CompareOrdinal(text, _at, prefix, 0, prefix.Length) == 0;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_at]))
                _at++;
        }

        public void Expect(char c)
        {
            if (Peek() != c)
                throw new FormatException($"expected '{c}' at {_at} in: {text}");
            _at++;
        }

        public string ReadIdentifier()
        {
            var start = _at;
            while (!AtEnd && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_'))
                _at++;
            return start == _at ? throw new FormatException($"expected a name at {_at} in: {text}") : text[start.._at];
        }

        public object ReadLiteral()
        {
            var isBytes = Peek() == 'b' && _at + 1 < text.Length && text[_at + 1] is '"' or '\'';
            if (isBytes)
                _at++;
            if (Peek() is '"' or '\'')
            {
                var quote = text[_at++];
                var sb = new StringBuilder();
                while (Peek() != quote)
                {
                    if (AtEnd)
                        throw new FormatException($"unterminated string in: {text}");
                    var c = text[_at++];
                    if (c == '\\')
                    {
                        var e = text[_at++];
                        if (e == 'x')
                        {
                            sb.Append((char)Convert.ToByte(text.Substring(_at, 2), 16));
                            _at += 2;
                        }
                        else
                            sb.Append(e switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', _ => e });
                    }
                    else
                        sb.Append(c);
                }
                _at++;
                return isBytes ? Encoding.Latin1.GetBytes(sb.ToString()) : sb.ToString();
            }
            var start = _at;
            while (!AtEnd && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_'))
                _at++;
            var token = text[start.._at];
            if (token.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return long.Parse(token[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new FormatException($"'{token}' is not a number or string in: {text}");
        }
    }
}
