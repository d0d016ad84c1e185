using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Bytestrings;
using Xunit;

namespace Offload.P4Runtime.Tests.Bytestrings;

public sealed class P4BytesTests
{
    [Theory]
    [InlineData(0ul, 16, "00")]
    [InlineData(99ul, 16, "63")]
    [InlineData(0x1234ul, 16, "1234")]
    [InlineData(511ul, 9, "01FF")]
    [InlineData(0xffffffffffffffff, 64, "FFFFFFFFFFFFFFFF")]
    public void Encode_Value_Canonical(ulong value, int width, string hex) =>
        Assert.Equal(hex, Convert.ToHexString(P4Bytes.Encode(value, width).Span));

    [Theory]
    [InlineData(512ul, 9)]
    [InlineData(256ul, 8)]
    [InlineData(2ul, 1)]
    public void Encode_TooWide_OutOfRange(ulong value, int width) =>
        Assert.Equal(StatusCode.OutOfRange, Assert.Throws<P4EncodingException>(() => P4Bytes.Encode(value, width)).Code);

    [Theory]
    [InlineData("0063", 16, "63")]
    [InlineData("000000", 16, "00")]
    [InlineData("63", 16, "63")]
    [InlineData("0000000001FF", 9, "01FF")]
    public void Canonicalize_AnyValidLength_Accepted(string input, int width, string canonical) =>
        Assert.Equal(canonical, Convert.ToHexString(P4Bytes.Canonicalize(ByteString.CopyFrom(Convert.FromHexString(input)), width).Span));

    [Theory]
    [InlineData("1063", 12)]
    [InlineData("0200", 9)]
    [InlineData("010000", 16)]
    public void Canonicalize_WiderThanField_OutOfRange(string input, int width) =>
        Assert.Equal(StatusCode.OutOfRange, Assert.Throws<P4EncodingException>(() =>
            P4Bytes.Canonicalize(ByteString.CopyFrom(Convert.FromHexString(input)), width)).Code);

    [Fact]
    public void Canonicalize_Empty_InvalidArgument() =>
        Assert.Equal(StatusCode.InvalidArgument,
            Assert.Throws<P4EncodingException>(() => P4Bytes.Canonicalize(ByteString.Empty, 8)).Code);

    [Theory]
    [InlineData("10.0.0.1", 32, "0A000001")]
    [InlineData("0.0.0.0", 32, "00")]
    [InlineData("2001:db8::1", 128, "20010DB8000000000000000000000001")]
    [InlineData("aa:bb:cc:dd:ee:ff", 48, "AABBCCDDEEFF")]
    [InlineData("00-00-00-00-00-01", 48, "01")]
    [InlineData("0x1f", 8, "1F")]
    [InlineData("0b101", 3, "05")]
    [InlineData("443", 16, "01BB")]
    public void Parse_OperatorText_Encoded(string text, int width, string hex) =>
        Assert.Equal(hex, Convert.ToHexString(P4Bytes.Parse(text, width).Span));

    [Theory]
    [InlineData("10.0.0.1", 16, StatusCode.OutOfRange)]
    [InlineData("70000", 16, StatusCode.OutOfRange)]
    [InlineData("ten", 16, StatusCode.InvalidArgument)]
    [InlineData("", 16, StatusCode.InvalidArgument)]
    [InlineData("-1", 16, StatusCode.InvalidArgument)]
    [InlineData("1.2.3.999", 32, StatusCode.InvalidArgument)]
    public void Parse_Bad_ClearError(string text, int width, StatusCode code) =>
        Assert.Equal(code, Assert.Throws<P4EncodingException>(() => P4Bytes.Parse(text, width)).Code);

    [Fact]
    public void Format_ForPeople()
    {
        Assert.Equal("aa:bb:cc:dd:ee:ff", P4Bytes.Format(P4Bytes.Parse("aa:bb:cc:dd:ee:ff", 48), 48));
        Assert.Equal("10.0.0.1", P4Bytes.Format(P4Bytes.Parse("10.0.0.1", 32), 32));
        Assert.Equal("443", P4Bytes.Format(P4Bytes.Encode(443, 16), 16));
    }
}
