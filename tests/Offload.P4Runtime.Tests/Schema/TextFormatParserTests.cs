using Google.Protobuf;
using Offload.P4Runtime.Schema;
using Xunit;

namespace Offload.P4Runtime.Tests.Schema;

public sealed class TextFormatParserTests
{
    [Fact]
    public void Parse_P4cStyleFile_AllObjectsLoaded()
    {
        var info = TestP4Info.Index.P4Info;
        Assert.Equal(3, info.Tables.Count);
        Assert.Equal(5, info.Actions.Count);
        Assert.Equal("v1model", info.PkgInfo.Arch);
        Assert.Equal(P4.Config.V1.MatchField.Types.MatchType.Lpm, info.Tables[0].MatchFields[0].MatchType);
        Assert.Equal(P4.Config.V1.ActionRef.Types.Scope.DefaultOnly, info.Tables[0].ActionRefs[2].Scope);
        Assert.Equal("@noWarn(\"unused\")", info.Actions[0].Preamble.Annotations[0]);
        Assert.Equal(P4.Config.V1.Table.Types.IdleTimeoutBehavior.NotifyControl, info.Tables[2].IdleTimeoutBehavior);
        Assert.NotNull(info.ActionProfiles[0].SumOfWeights);
        var digest = info.TypeInfo.Structs["flow_digest_t"];
        Assert.Equal(["src_addr", "backend"], digest.Members.Select(m => m.Name));
        Assert.Equal(16, digest.Members[1].TypeSpec.Bitstring.Bit.Bitwidth);
    }

    [Fact]
    public void Parse_TextThenBinary_SameMessage()
    {
        var info = TestP4Info.Index.P4Info;
        var again = P4InfoIndex.FromBinary(info.ToByteArray()).P4Info;
        Assert.Equal(info, again);
    }

    [Fact]
    public void Parse_EscapesListsAndSeparators_Decoded()
    {
        var text = """
            tables { preamble { id: 0x02000001, name: 'a\x41\101\n' annotations: ["@x", "@y"] } size: -0 }
            tables < preamble < id: 2; name: "b" "c" > >
            """;
        var info = TextFormatParser.Parse(text, P4.Config.V1.P4Info.Parser);
        Assert.Equal(0x02000001u, info.Tables[0].Preamble.Id);
        Assert.Equal("aAA\n", info.Tables[0].Preamble.Name);
        Assert.Equal(["@x", "@y"], info.Tables[0].Preamble.Annotations);
        Assert.Equal("bc", info.Tables[1].Preamble.Name);
    }

    [Theory]
    [InlineData("tables { preamble { idd: 1 } }", "1:21", "no field 'idd'")]
    [InlineData("tables {\n  size: abc\n}", "2:9", "not an integer")]
    [InlineData("tables { preamble { id: 5000000000 } }", "1:", "out of range")]
    [InlineData("tables { idle_timeout_behavior: SOMETIMES }", "1:", "not a value of")]
    [InlineData("tables { preamble { name: \"open }", "1:", "unterminated string")]
    [InlineData("tables { preamble { id: 1 }", "1:", "expected '}'")]
    [InlineData("pkg_info { name \"x\" }", "1:", "expected ':'")]
    [InlineData("[ext] { }", "1:1", "not supported")]
    public void Parse_Malformed_ErrorNamesLineAndColumn(string text, string position, string message)
    {
        var error = Assert.Throws<FormatException>(() => TextFormatParser.Parse(text, P4.Config.V1.P4Info.Parser, "f.txtpb"));
        Assert.StartsWith("f.txtpb:" + position, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Load_MissingFile_ClearError()
    {
        var error = Assert.Throws<P4InfoException>(() => P4InfoIndex.Load("/nonexistent/x.txtpb"));
        Assert.Contains("not found", error.Message);
    }
}
