using System.Net;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Xunit;

namespace Offload.Controller.Tests.Configuration;

/// <summary>The YAML configuration: the documented example loads; every mistake is reported with file, line and field.</summary>
public sealed class ConfigLoaderTests
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();

    private static OffloadConfig Load(string yaml) => ConfigLoader.Load(yaml, "test.yaml", n => Policies.TryGet(n, out _));

    private static IReadOnlyList<string> Errors(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml)).Errors;

    private const string Backend = """
        backends:
          - name: web1
            address: 10.0.1.11
            port: 8080
            mac: 00:00:00:00:01:11
            switch_port: 2
        """;

    [Fact]
    public void Example_Loads()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "offload.example.yaml");
        var config = ConfigLoader.LoadFile(path, n => Policies.TryGet(n, out _));
        Assert.Equal("127.0.0.1:9559", Assert.Single(config.Switches).Address);
        Assert.Equal(3, config.Backends.Count);
        var vip = Assert.Single(config.Vips);
        Assert.Equal(IPAddress.Parse("10.0.100.1"), vip.Address);
        Assert.Equal(VipMode.DataplaneSelect, vip.Mode);
        Assert.Equal(["web1", "web2", "web3"], vip.Pool);
        Assert.Equal((ushort)23, config.Acl[1].DestinationPortLow);
    }

    [Fact]
    public void MissingRequiredField_NamesLineAndField()
    {
        var errors = Errors("""
            switches:
              - name: s1
                address: 127.0.0.1:9559
            """);
        Assert.Equal(["test.yaml:2: switches[0].election_id: required"], errors);
    }

    [Fact]
    public void EveryProblem_ReportedAtOnce()
    {
        var errors = Errors(Backend + """

            vips:
              - name: web
                address: 10.0.100.300
                port: 70000
                algorithm: fastest
                pool: [web1, web9]
                colour: blue
            """);
        Assert.Contains("test.yaml:9: vips[0].address: '10.0.100.300' is not an IPv4 or IPv6 address", errors);
        Assert.Contains("test.yaml:10: vips[0].port: '70000' is not a whole number from 0 to 65535", errors);
        Assert.Contains("test.yaml:11: vips[0].algorithm: unknown algorithm 'fastest'", errors);
        Assert.Contains(errors, e => e.StartsWith("test.yaml:13: vips[0].colour: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("pool names unknown backend 'web9'"));
    }

    [Fact]
    public void Ipv6VipOverIpv4Backend_Refused()
    {
        var errors = Errors(Backend + """

            vips:
              - name: web6
                address: 2001:db8:100::1
                port: 80
                pool: [web1]
            """);
        Assert.Contains(errors, e => e.Contains("backend web1 is IPv4 but the VIP is IPv6"));
    }

    [Fact]
    public void DuplicateNames_PointAtTheSecond()
    {
        var errors = Errors(Backend + """

          - name: web1
            address: 10.0.1.12
            port: 8080
            mac: 00:00:00:00:01:12
            switch_port: 2
        """);
        Assert.Equal(["test.yaml:7: backend 'web1' is defined twice (first at line 2)"], errors);
    }

    [Fact]
    public void YamlSyntaxError_HasALine()
    {
        var error = Assert.Single(Errors("switches:\n  - name: [unclosed\n"));
        Assert.StartsWith("test.yaml:", error);
    }

    [Fact]
    public void UnknownSection_AndBadEnum()
    {
        var errors = Errors(Backend + """

            vipz: []
            acl:
              - name: r1
                priority: 5
                action: reject
                destination_ports: 90-80
            """);
        Assert.Contains(errors, e => e.StartsWith("test.yaml:7: vipz: unknown section", StringComparison.Ordinal));
        Assert.Contains("test.yaml:11: acl[0].action: 'reject' is not one of permit, drop, punt", errors);
        Assert.Contains("test.yaml:12: acl[0].destination_ports: '90-80' is not a port or a range LOW-HIGH", errors);
    }
}

/// <summary>Backend and VIP ids: explicit ones kept, derived ones stable under reordering, clashes reported.</summary>
public sealed class IdentifierTests
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();

    private static OffloadConfig Load(string yaml) => ConfigLoader.Load(yaml, "ids.yaml", n => Policies.TryGet(n, out _));

    private static string Backend(string name, string? id = null) => $"""
          - name: {name}
        {(id is null ? "" : $"    id: {id}\n")}    address: 10.0.1.1
            port: 80
            mac: 00:00:00:00:01:01
            switch_port: 2

        """;

    [Fact]
    public void DerivedIds_SameWhateverTheOrder()
    {
        var one = Load("backends:\n" + Backend("a") + Backend("b") + Backend("c"));
        var other = Load("backends:\n" + Backend("c") + Backend("a") + Backend("b"));
        Assert.Equal(one.Backends.ToDictionary(b => b.Name, b => b.Id), other.Backends.ToDictionary(b => b.Name, b => b.Id));
        Assert.All(one.Backends, b => Assert.InRange(b.Id, 1, 4095));
        Assert.Equal(3, one.Backends.Select(b => b.Id).Distinct().Count());
    }

    [Fact]
    public void ExplicitIdTwice_Reported()
    {
        var error = Assert.Throws<ConfigException>(() => Load("backends:\n" + Backend("a", "7") + Backend("b", "7")));
        Assert.Contains(error.Errors, e => e.Contains("id 7 is already a's"));
    }

    [Fact]
    public void VipWithoutVmac_GetsOneFromItsId()
    {
        var config = Load("backends:\n" + Backend("a") + """
            vips:
              - name: web
                id: 258
                address: 10.0.100.1
                port: 80
                pool: [a]
            """);
        Assert.Equal("02:00:00:00:01:02", config.Vips[0].Vmac);
    }
}

/// <summary>The entries a configuration means for a switch.</summary>
public sealed class DesiredStateTests
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();
    private static readonly Offload.P4Runtime.Schema.P4InfoIndex P4Info =
        Offload.P4Runtime.Schema.P4InfoIndex.Load(Offload.Tests.Common.RepoPaths.Get("p4", "offload.p4info.txtpb"));

    private static int Endpoints(string yaml)
    {
        var config = ConfigLoader.Load(yaml, "endpoints.yaml", n => Policies.TryGet(n, out _));
        var table = P4Info.Tables["reverse_endpoint_v4"].Preamble.Id;
        return Offload.Controller.Plumbing.DesiredState.Build(config, config.Switches[0], P4Info).Count(e => e.TableId == table);
    }

    [Fact]
    public void DirectAccess_NoEndpointShortcut()
    {
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"));
        Assert.Equal(3, Endpoints(yaml));
        Assert.Equal(2, Endpoints(yaml.Replace("    weight: 2\n", "    weight: 2\n    direct_access: true\n")));
    }
}
