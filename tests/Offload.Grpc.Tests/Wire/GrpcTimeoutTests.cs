using Offload.Grpc.Wire;
using Xunit;

namespace Offload.Grpc.Tests.Wire;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData(0, "1n")]
    [InlineData(-5, "1n")]
    [InlineData(1, "1000000n")]
    [InlineData(250, "250000u")]
    [InlineData(30_000, "30000000u")]
    [InlineData(200_000, "200000m")]
    [InlineData(3_600_000_000, "3600000S")]
    public void Encode_Milliseconds_FitsEightDigits(long milliseconds, string expected)
    {
        var encoded = GrpcTimeout.Encode(TimeSpan.FromMilliseconds(milliseconds));
        Assert.Equal(expected, encoded);
        Assert.True(encoded.Length <= 9);
    }

    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("99999999n", 99.999999)]
    public void TryParse_EveryUnit_Parses(string value, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    public void TryParse_Malformed_Refused(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Fact]
    public void EncodeThenParse_NeverShortensTheDeadline()
    {
        foreach (var ms in new[] { 1.0, 7.3, 999.9, 123456.7, 86_400_000.0 })
        {
            var t = TimeSpan.FromMilliseconds(ms);
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Encode(t), out var parsed));
            Assert.True(parsed >= t, $"{t} became {parsed}");
        }
    }
}

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void Encode_AsGrpcSpecifies(string message, string expected) =>
        Assert.Equal(expected, PercentEncoding.Encode(message));

    [Theory]
    [InlineData("%C3%BC", "ü")]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("trailing %", "trailing %")]
    public void Decode_LenientOnMalformedEscapes(string encoded, string expected) =>
        Assert.Equal(expected, PercentEncoding.Decode(encoded));
}

public sealed class Base64MetadataTests
{
    [Fact]
    public void Encode_IsUnpadded_DecodeAcceptsBoth()
    {
        var value = new byte[] { 1, 2, 3, 4 };
        var encoded = Base64Metadata.Encode(value);
        Assert.DoesNotContain('=', encoded);
        Assert.True(Base64Metadata.TryDecode(encoded, out var a));
        Assert.True(Base64Metadata.TryDecode(encoded + "==", out var b));
        Assert.Equal(value, a);
        Assert.Equal(value, b);
        Assert.False(Base64Metadata.TryDecode("!!!", out _));
    }
}
