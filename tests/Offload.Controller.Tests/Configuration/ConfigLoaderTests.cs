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
