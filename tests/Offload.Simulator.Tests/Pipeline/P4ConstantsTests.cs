using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Offload.Simulator.Pipeline;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Simulator.Tests.Pipeline;

/// <summary>shared/define.p4 and the simulator's P4Constants hold the same constants, and offload.p4 uses every one (p4c warns of an unused constant).</summary>
public sealed partial class P4ConstantsTests
{
    private static readonly string DefineP4 = File.ReadAllText(RepoPaths.Get("p4", "shared", "define.p4"));

    [Fact]
    public void DefineP4_AndP4Constants_HoldTheSameValues()
    {
        var p4 = Constants().Matches(DefineP4).ToDictionary(m => PascalCase(m.Groups["name"].Value), m => ParseValue(m.Groups["value"].Value));
        var simulator = typeof(P4Constants).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.Name != "DefaultCpuPort" && f.Name != "DropReasons" && f.Name != "PuntReasons")
            .ToDictionary(f => f.Name, f => Convert.ToUInt64(f.GetValue(null), CultureInfo.InvariantCulture));
        foreach (var (name, value) in simulator)
        {
            Assert.True(p4.TryGetValue(name, out var inP4), $"P4Constants.{name} is not in define.p4");
            Assert.True(inP4 == value, $"{name}: {value} in the simulator, {inP4} in define.p4");
        }
        var onlyInP4 = p4.Keys.Except(simulator.Keys).Order().ToList();
        Assert.Equal(["CpuPort", "DropReasons", "MeterColorRed", "PuntReasons"], onlyInP4);
    }

    [Fact]
    public void DefineP4_EveryConstantIsUsedByTheProgram()
    {
        var program = string.Join("\n", Directory.EnumerateFiles(RepoPaths.Get("p4"), "*.p4", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("define.p4", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .Append(Constants().Replace(DefineP4, "")));
        var unused = Constants().Matches(DefineP4).Select(m => m.Groups["name"].Value)
            .Where(name => !Regex.IsMatch(program, $@"\b{name}\b")).ToList();
        Assert.Empty(unused);
    }

    private static ulong ParseValue(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? ulong.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : ulong.Parse(text, CultureInfo.InvariantCulture);

    private static string PascalCase(string name) =>
        string.Concat(name.Split('_').Select(part => part[0] + part[1..].ToLowerInvariant()));

    [GeneratedRegex(@"^const\s+\w+(<\d+>)?\s+(?<name>[A-Z0-9_]+)\s*=\s*(?<value>0x[0-9a-fA-F]+|\d+)\s*;", RegexOptions.Multiline)]
    private static partial Regex Constants();
}
