using Offload.Controller.Configuration;
using Xunit;

namespace Offload.Controller.Tests.Configuration;

public sealed class ConfigDiffTests
{
    private static readonly string Example = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"));

    private static OffloadConfig Load(string yaml) => ConfigLoader.Load(yaml, "test.yaml", _ => true);

    [Fact]
    public void SameConfiguration_NoLines() => Assert.Empty(ConfigDiff.Compare(Load(Example), Load(Example)));

    [Fact]
    public void AddedRemovedAndChanged_EachOneLine()
    {
        var changed = Example.Replace("pool: [web1, web2, web3]", "pool: [web1, web2]").Replace("algorithm: maglev", "algorithm: round_robin");
        var lines = ConfigDiff.Compare(Load(Example), Load(changed));
        var vip = Assert.Single(lines);
        Assert.StartsWith("~ vip web: ", vip);
        Assert.Contains("algorithm maglev → round_robin", vip);
        Assert.Contains("pool web1, web2, web3 → web1, web2", vip);

        var fewer = Load(Example) with { Backends = Load(Example).Backends.Take(2).ToList() };
        Assert.Contains(ConfigDiff.Compare(Load(Example), fewer), l => l.StartsWith("- backend web3", StringComparison.Ordinal));
        Assert.Contains(ConfigDiff.Compare(fewer, Load(Example)), l => l.StartsWith("+ backend web3: id ", StringComparison.Ordinal) && l.Contains("; address 10.0.1.13; port 8080; mac 00:00:00:00:01:13; switch_port 2; weight 2"));
    }
}
