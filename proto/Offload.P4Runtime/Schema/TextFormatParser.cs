using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Offload.P4Runtime.Schema;

/// <summary>
/// Parses protobuf text format (what p4c writes for --p4runtime-files *.txtpb) into any message,
/// driven by its descriptor. Errors name the line and column.
/// </summary>
public sealed class TextFormatParser
{
    private readonly string _text;
    private readonly string _source;
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    private (int Line, int Column) _mark = (1, 1);

    private TextFormatParser(string text, string source)
    {
        _text = text;
        _source = source;
    }

    public static T Parse<T>(string text, MessageParser<T> parser, string source = "<text>") where T : IMessage<T>
    {
        var message = parser.ParseFrom(ByteString.Empty);
        new TextFormatParser(text, source).MergeFields(message, endToken: null);
        return message;
    }

    private void MergeFields(IMessage message, char? endToken)
    {
        var descriptor = message.Descriptor;
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                if (endToken is not null)
                    throw Error($"expected '{endToken}' before the end of the input");
                return;
            }
            if (endToken is { } end && Peek == end)
            {
                _pos++;
                return;
            }
            if (Peek == '[')
                throw Error("extensions and expanded Any values are not supported");
            var name = ReadIdentifier();
            var field = descriptor.FindFieldByName(name)
                        ?? throw Error($"message {descriptor.FullName} has no field '{name}'");
            SkipWhitespace();
            var isMessage = field.FieldType is FieldType.Message or FieldType.Group;
            if (TryConsume(':'))
                SkipWhitespace();
            else if (!isMessage)
                throw Error($"expected ':' after field '{name}'");
            if (Peek == '[')
            {
                if (!field.IsRepeated)
                    throw Error($"field '{name}' is not repeated but a list was given");
                _pos++;
                SkipWhitespace();
                if (!TryConsume(']'))
                {
                    do
                    {
                        SkipWhitespace();
                        MergeValue(message, field);
                        SkipWhitespace();
                    } while (TryConsume(','));
                    SkipWhitespace();
                    Expect(']');
                }
            }
            else
            {
                MergeValue(message, field);
            }
            SkipWhitespace();
            if (!AtEnd && Peek is ',' or ';')
                _pos++;
        }
    }

    private void MergeValue(IMessage message, FieldDescriptor field)
    {
        if (field.IsMap)
        {
            MergeMapEntry(message, field);
            return;
        }
        object value = field.FieldType is FieldType.Message or FieldType.Group
            ? ReadMessage(field, field.IsRepeated ? null : (IMessage?)field.Accessor.GetValue(message))
            : ReadScalar(field);
        if (field.IsRepeated)
            ((IList)field.Accessor.GetValue(message)).Add(value);
        else
            field.Accessor.SetValue(message, value);
    }

    private IMessage ReadMessage(FieldDescriptor field, IMessage? existing)
    {
        var target = existing ?? field.MessageType.Parser.ParseFrom(ByteString.Empty);
        var close = Peek switch
        {
            '{' => '}',
            '<' => '>',
            _ => throw Error($"expected '{{' to open message field '{field.Name}'"),
        };
        _pos++;
        MergeFields(target, close);
        return target;
    }

    private void MergeMapEntry(IMessage message, FieldDescriptor field)
    {
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        var close = Peek switch { '{' => '}', '<' => '>', _ => throw Error($"expected '{{' to open map entry '{field.Name}'") };
        _pos++;
        object? key = null;
        object? value = null;
        while (true)
        {
            SkipWhitespace();
            if (TryConsume(close))
                break;
            var name = ReadIdentifier();
            SkipWhitespace();
            var entryField = name switch
            {
                "key" => keyField,
                "value" => valueField,
                _ => throw Error($"map entry '{field.Name}' has only 'key' and 'value', not '{name}'"),
            };
            if (TryConsume(':'))
                SkipWhitespace();
            if (entryField.FieldType == FieldType.Message)
                value = ReadMessage(entryField, (IMessage?)value);
            else if (name == "key")
                key = ReadScalar(entryField);
            else
                value = ReadScalar(entryField);
            SkipWhitespace();
            if (!AtEnd && Peek is ',' or ';')
                _pos++;
        }
        key ??= DefaultOf(keyField);
        value ??= valueField.FieldType == FieldType.Message
            ? valueField.MessageType.Parser.ParseFrom(ByteString.Empty)
            : DefaultOf(valueField);
        ((IDictionary)field.Accessor.GetValue(message))[key] = value;
    }

    private static object DefaultOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "",
        FieldType.Bool => false,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt32 or FieldType.Fixed32 => 0u,
        FieldType.UInt64 or FieldType.Fixed64 => 0UL,
        _ => throw new NotSupportedException($"map key type {field.FieldType}"),
    };

    private object ReadScalar(FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                return Encoding.UTF8.GetString(ReadStrings());
            case FieldType.Bytes:
                return ByteString.CopyFrom(ReadStrings());
            case FieldType.Bool:
            {
                var token = ReadToken();
                return token switch
                {
                    "true" or "True" or "t" or "1" => true,
                    "false" or "False" or "f" or "0" => false,
                    _ => throw Error($"'{token}' is not a bool for field '{field.Name}'"),
                };
            }
            case FieldType.Enum:
            {
                var token = ReadToken();
                var value = field.EnumType.FindValueByName(token)
                            ?? (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                                ? field.EnumType.FindValueByNumber(n) ?? throw Error($"{n} is not a value of {field.EnumType.FullName}")
                                : throw Error($"'{token}' is not a value of {field.EnumType.FullName}"));
                return Enum.ToObject(field.EnumType.ClrType, value.Number);
            }
            case FieldType.Float:
                return (float)ParseDouble(ReadToken(), field);
            case FieldType.Double:
                return ParseDouble(ReadToken(), field);
            default:
                return ParseInteger(ReadToken(), field);
        }
    }

    private object ParseInteger(string token, FieldDescriptor field)
    {
        var negative = token.StartsWith('-');
        var digits = negative ? token[1..] : token;
        ulong magnitude;
        try
        {
            magnitude = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? Convert.ToUInt64(digits[2..], 16)
                : digits.Length > 1 && digits[0] == '0'
                    ? Convert.ToUInt64(digits, 8)
                    : ulong.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw Error($"'{token}' is not an integer for field '{field.Name}'");
        }
        try
        {
            return field.FieldType switch
            {
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 =>
                    checked((int)(negative ? -(long)magnitude : (long)magnitude)),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 =>
                    negative ? checked(-(long)magnitude) : checked((long)magnitude),
                FieldType.UInt32 or FieldType.Fixed32 when !negative => checked((uint)magnitude),
                FieldType.UInt64 or FieldType.Fixed64 when !negative => magnitude,
                _ => throw Error($"'{token}' is out of range for field '{field.Name}'"),
            };
        }
        catch (OverflowException)
        {
            throw Error($"'{token}' is out of range for field '{field.Name}'");
        }
    }

    private double ParseDouble(string token, FieldDescriptor field)
    {
        var t = token.TrimEnd('f', 'F');
        return t switch
        {
            "inf" or "infinity" => double.PositiveInfinity,
            "-inf" or "-infinity" => double.NegativeInfinity,
            "nan" => double.NaN,
            _ => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d
                : throw Error($"'{token}' is not a number for field '{field.Name}'"),
        };
    }

    /// <summary>One or more adjacent quoted strings, concatenated, with C escapes decoded.</summary>
    private byte[] ReadStrings()
    {
        Mark();
        var bytes = new List<byte>();
        if (AtEnd || Peek is not ('"' or '\''))
            throw Error("expected a quoted string");
        while (!AtEnd && Peek is '"' or '\'')
        {
            var quote = _text[_pos++];
            while (true)
            {
                if (AtEnd || Peek == '\n')
                    throw Error("unterminated string");
                var c = _text[_pos++];
                if (c == quote)
                    break;
                if (c != '\\')
                {
                    if (char.IsHighSurrogate(c) && !AtEnd)
                        bytes.AddRange(Encoding.UTF8.GetBytes(new[] { c, _text[_pos++] }));
                    else
                        bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                    continue;
                }
                ReadEscape(bytes);
            }
            SkipWhitespace();
        }
        return bytes.ToArray();
    }

    private void ReadEscape(List<byte> bytes)
    {
        if (AtEnd)
            throw Error("unterminated escape");
        var e = _text[_pos++];
        switch (e)
        {
            case 'n': bytes.Add((byte)'\n'); break;
            case 't': bytes.Add((byte)'\t'); break;
            case 'r': bytes.Add((byte)'\r'); break;
            case 'a': bytes.Add(7); break;
            case 'b': bytes.Add(8); break;
            case 'f': bytes.Add(12); break;
            case 'v': bytes.Add(11); break;
            case '\\' or '\'' or '"' or '?': bytes.Add((byte)e); break;
            case >= '0' and <= '7':
            {
                var value = e - '0';
                for (var i = 0; i < 2 && !AtEnd && Peek is >= '0' and <= '7'; i++)
                    value = value * 8 + (_text[_pos++] - '0');
                if (value > 255)
                    throw Error("octal escape out of range");
                bytes.Add((byte)value);
                break;
            }
            case 'x' or 'X':
            {
                var start = _pos;
                while (_pos - start < 2 && !AtEnd && Uri.IsHexDigit(Peek))
                    _pos++;
                if (_pos == start)
                    throw Error("\\x needs a hex digit");
                bytes.Add(Convert.ToByte(_text[start.._pos], 16));
                break;
            }
            case 'u' or 'U':
            {
                var length = e == 'u' ? 4 : 8;
                if (_pos + length > _text.Length)
                    throw Error("truncated unicode escape");
                var code = Convert.ToInt32(_text.Substring(_pos, length), 16);
                _pos += length;
                bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(code)));
                break;
            }
            default:
                throw Error($"unknown escape '\\{e}'");
        }
    }

    private string ReadIdentifier()
    {
        Mark();
        var start = _pos;
        while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek == '_'))
            _pos++;
        if (_pos == start || char.IsDigit(_text[start]))
            throw Error($"expected a field name, found '{(AtEnd ? "end of input" : Peek.ToString())}'");
        return _text[start.._pos];
    }

    private string ReadToken()
    {
        Mark();
        var start = _pos;
        while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek is '_' or '-' or '+' or '.'))
            _pos++;
        if (_pos == start)
            throw Error($"expected a value, found '{(AtEnd ? "end of input" : Peek.ToString())}'");
        return _text[start.._pos];
    }

    private void SkipWhitespace()
    {
        while (!AtEnd)
        {
            var c = Peek;
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (char.IsWhiteSpace(c))
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (!AtEnd && Peek != '\n')
                    _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private bool TryConsume(char c)
    {
        if (AtEnd || Peek != c)
            return false;
        _pos++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c))
            throw Error($"expected '{c}'");
    }

    /// <summary>Errors point at the start of the token being read.</summary>
    private void Mark() => _mark = (_line, _pos - _lineStart + 1);

    private bool AtEnd => _pos >= _text.Length;
    private char Peek => _text[_pos];

    private FormatException Error(string message) =>
        new($"{_source}:{_mark.Line}:{_mark.Column}: {message}");
}
