using Google.Protobuf.Reflection;
using Xunit;

namespace Offload.P4Runtime.Tests.Wire;

/// <summary>
/// The generated P4Runtime descriptors against upstream p4lang/p4runtime v1.5.0, line by line: every message, enum and
/// service by fully-qualified name (so a type nested elsewhere than upstream fails), every field with number, label,
/// type and oneof, every enum value and every RPC. The listing is in TestData/p4runtime-v1.5.0.descriptors.txt.
/// </summary>
public sealed class UpstreamDescriptorTests
{
    private static readonly FileDescriptor[] Files =
    [
        P4.V1.P4RuntimeReflection.Descriptor,
        P4.V1.P4DataReflection.Descriptor,
        P4.Config.V1.P4InfoReflection.Descriptor,
        P4.Config.V1.P4TypesReflection.Descriptor,
        Google.Rpc.StatusReflection.Descriptor,
    ];

    [Fact]
    public void Descriptors_MatchUpstreamV150_FieldByField()
    {
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "p4runtime-v1.5.0.descriptors.txt"))
            .Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var actual = Files.SelectMany(Describe).ToList();

        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"upstream has, we lack:\n  {string.Join("\n  ", missing)}\nwe have, upstream lacks:\n  {string.Join("\n  ", extra)}");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ActionProfileActionSet_NestsItsEnums_AsUpstreamDoes()
    {
        var set = P4.V1.ActionProfileActionSet.Descriptor;
        Assert.Equal("p4.v1.ActionProfileActionSet.ActionSelectionMode", set.FindFieldByName("action_selection_mode").EnumType.FullName);
        Assert.Equal("p4.v1.ActionProfileActionSet.SizeSemantics", set.FindFieldByName("size_semantics").EnumType.FullName);
    }

    private static IEnumerable<string> Describe(FileDescriptor file)
    {
        foreach (var service in file.Services)
            foreach (var method in service.Methods)
                yield return $"rpc {service.FullName}.{method.Name}({(method.IsClientStreaming ? "stream " : "")}{method.InputType.FullName}) returns ({(method.IsServerStreaming ? "stream " : "")}{method.OutputType.FullName})";
        foreach (var e in file.EnumTypes)
            foreach (var line in Describe(e))
                yield return line;
        foreach (var message in file.MessageTypes)
            foreach (var line in Describe(message))
                yield return line;
    }

    private static IEnumerable<string> Describe(MessageDescriptor message)
    {
        yield return $"message {message.FullName}";
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            var label = field.IsMap ? "map " : field.IsRepeated ? "repeated " : "";
            var oneof = field.RealContainingOneof is { } o ? $" oneof {o.Name}" : "";
            var deprecated = field.GetOptions()?.Deprecated == true ? " deprecated" : "";
            yield return $"  {field.Name} = {field.FieldNumber} {label}{TypeName(field)}{oneof}{deprecated}";
        }
        foreach (var e in message.EnumTypes)
            foreach (var line in Describe(e))
                yield return line;
        foreach (var nested in message.NestedTypes.Where(n => n.GetOptions()?.MapEntry != true))
            foreach (var line in Describe(nested))
                yield return line;
    }

    private static IEnumerable<string> Describe(EnumDescriptor e)
    {
        yield return $"enum {e.FullName}";
        foreach (var value in e.Values)
            yield return $"  {value.Name} = {value.Number}";
    }

    private static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message when field.IsMap => $"<{TypeName(field.MessageType.FindFieldByNumber(1))}, {TypeName(field.MessageType.FindFieldByNumber(2))}>",
        FieldType.Message or FieldType.Group => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };
}
