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

    private static string Pair(string group) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"))
        .Replace("    router_mac: 00:aa:00:00:00:01", group + "    router_mac: 00:aa:00:00:00:01");

    [Fact]
    public void Standby_TakesTheHeadsPortsAndRoutes_WithItsOwnIdentity()
    {
        var config = Load(Pair("""
                virtual_mac: 00:00:5e:00:01:01
                uplinks: [{port: 1, neighbor: 10.0.0.2}]
                standby:
                  - {name: s2, address: "127.0.0.1:9560", device_id: 7, router_mac: "00:aa:00:00:00:02"}
                  - {name: s3, address: "127.0.0.1:9561", election_id: 4, router_mac: "00:aa:00:00:00:03"}

            """));
        Assert.Equal(["s1", "s2", "s3"], config.Switches.Select(s => s.Name));
        var (head, s2, s3) = (config.Switches[0], config.Switches[1], config.Switches[2]);
        Assert.All(config.Switches, s => Assert.Equal(("s1", "s1 s2 s3", "00:00:5e:00:01:01"), (s.Group!.Name, string.Join(' ', s.Group.Members), s.Group.VirtualMac)));
        Assert.Equal((7ul, 10ul, "00:aa:00:00:00:02"), (s2.DeviceId, s2.ElectionId, s2.RouterMac));
        Assert.Equal((0ul, 4ul), (s3.DeviceId, s3.ElectionId));
        Assert.Same(head.Interfaces, s3.Interfaces);
        Assert.Same(head.Routes, s2.Routes);
        Assert.Equal([new UplinkConfig(1, IPAddress.Parse("10.0.0.2"))], s3.Uplinks);
        Assert.Null(Load(Pair("")).Switches[0].Group);
    }

    [Theory]
    [InlineData("    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n", "virtual_mac: required with standby")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n", "only a switch with standby switches has a virtual MAC")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:01\"}\n", "each switch of a group has its own router MAC")]
    [InlineData("    virtual_mac: 00:aa:00:00:00:01\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n", "it must be the group's own")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    standby:\n      - {name: s2, address: nowhere, router_mac: \"00:aa:00:00:00:02\"}\n", "'nowhere' is not HOST:PORT")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\"}\n", "router_mac: required")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\", interfaces: []}\n", "interfaces: unknown key")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    standby:\n      - {name: s1, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n", "switch 's1' is defined twice")]
    [InlineData("    uplinks: [{port: 1, neighbor: 10.0.0.2}]\n", "it has no standby")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    uplinks: [{port: 2, neighbor: 10.0.0.2}]\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n", "uplink neighbor 10.0.0.2 is on no interface of port 2")]
    [InlineData("    virtual_mac: 00:00:5e:00:01:01\n    uplinks: [{port: 1, neighbor: \"2001:db8::2\"}]\n    standby:\n      - {name: s2, address: \"127.0.0.1:9560\", router_mac: \"00:aa:00:00:00:02\"}\n", "an IPv4 address")]
    public void Standby_Mistakes_Reported(string group, string expected)
    {
        var errors = Errors(Pair(group));
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.StartsWith("test.yaml:", e));
    }

    private static string Multiplexed(string vip) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"))
        .Replace("vips:\n", "vips:\n" + vip);

    [Fact]
    public void Multiplex_PoolIsEveryKindsBackends_NonSynPunted()
    {
        var config = Load(Multiplexed("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, affinity: tls_session,\n"
            + "     multiplex: {tls: [web1], socks5: [web2], other: [web1]}}\n").Replace("pool: [web1, web2, web3]", "pool: [web3]"));
        var edge = config.Vips.First(v => v.Name == "edge");
        Assert.Equal((VipMode.Multiplex, true, Affinity.TlsSession), (edge.Mode, edge.PuntNonSyn, edge.Affinity));
        Assert.Equal(["web1", "web2"], edge.Pool.Order());
        Assert.Equal(["web1"], edge.Multiplex[PayloadKind.Tls]);
        Assert.False(edge.Multiplex.ContainsKey(PayloadKind.Http));
    }

    [Theory]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, pool: [web1], multiplex: {tls: [web2]}}\n", "a multiplex VIP's pools are under multiplex")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex}\n", "a multiplex VIP needs at least one pool")]
    [InlineData("  - {name: edge, address: 10.0.100.4, protocol: udp, port: 443, mode: multiplex, multiplex: {tls: [web2]}}\n", "a multiplex VIP is TCP")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, pool: [web2], multiplex: {tls: [web2]}}\n", "only a VIP with mode: multiplex has pools per payload")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {quic: [web2]}}\n", "quic: unknown key")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {tls: [web1]}}\n", "backend web1 (10.0.1.11:8080) also serves VIP web")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: controller_classify, affinity: tls_session, pool: [web2]}\n", "affinity tls_session needs mode multiplex")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {http: [web2]}, http_routes: [{pool: [web3]}]}\n", "a route needs a host or a path_prefix")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {http: [web2]}, http_routes: [{path_prefix: api, pool: [web3]}]}\n", "'api' does not start with /")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {http: [web2]}, http_routes: [{host: a.example}]}\n", "a route needs at least one backend")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {tls: [web2]}, http_routes: [{host: a.example, pool: [web3]}]}\n", "per-request routes need an http pool")]
    [InlineData("  - {name: edge, address: 10.0.100.4, port: 443, pool: [web2], http_routes: [{host: a.example, pool: [web3]}]}\n", "only a VIP with mode: multiplex has pools per payload or per request")]
    public void Multiplex_Mistakes_Reported(string vip, string expected) =>
        Assert.Contains(Errors(Multiplexed(vip)), e => e.Contains(expected, StringComparison.Ordinal));

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
    [Fact]
    public void HealthChecks_ReadWithDefaults_AndReferencesChecked()
    {
        var config = Load(Backend.Replace("switch_port: 2", "switch_port: 2\n    health_check: web") + """

            health_checks:
              - name: web
                type: http
                path: /healthz
                status: 200-299
                interval: 250ms
                timeout: 100ms
                hold_down: 5s
                held_down_connections: remove
            controller:
              name: c1
              peers: [127.0.0.1:9581]
              heartbeat: 2s
            """);
        var check = Assert.Single(config.HealthChecks);
        Assert.Equal(HealthCheckKind.Http, check.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(250), check.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(100), check.Timeout);
        Assert.Equal((3, 3), (check.Fall, check.Rise));
        Assert.Equal(TimeSpan.FromSeconds(5), check.HoldDown);
        Assert.Equal(HeldDownConnections.Remove, check.HeldDownConnections);
        Assert.Equal(("/healthz", 200, 299), (check.Http.Path, check.Http.StatusLow, check.Http.StatusHigh));
        Assert.Equal("c1", config.Controller.Name);
        Assert.Equal(["127.0.0.1:9581"], config.Controller.Peers);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Controller.Heartbeat);
        Assert.Equal(TimeSpan.FromSeconds(60), Load(Backend + "\nhealth_checks:\n  - name: t\n    type: tcp\n").HealthChecks[0].HoldDown);
    }

    [Fact]
    public void HealthChecks_Mistakes_NamedWithTheirLines()
    {
        var errors = Errors(Backend.Replace("switch_port: 2", "switch_port: 2\n    health_check: nope\n    agent: somewhere") + """

            health_checks:
              - name: s
                type: script
                interval: fast
                timeout: 5s
                fall: 0
              - name: u
                type: udp
                status: 700
            controller:
              peers: [not-an-endpoint]
            """);
        Assert.Contains(errors, e => e.Contains("health_check names unknown health check 'nope'; known: s, u"));
        Assert.Contains(errors, e => e.Contains("backends[0].agent: 'somewhere' is neither HOST:PORT nor unix:/path/to/socket"));
        Assert.Contains(errors, e => e.Contains("backends[0].agent_service: required with agent"));
        Assert.Contains(errors, e => e.Contains("test.yaml:12: health_checks[0].interval: 'fast' is not a duration"));
        Assert.Contains(errors, e => e.Contains("health_checks[0].fall: must be at least 1"));
        Assert.Contains(errors, e => e.Contains("health_checks[0].timeout: 5000 ms is longer than the interval (2000 ms)"));
        Assert.Contains(errors, e => e.Contains("health_checks[0].command: a script check needs the command to run"));
        Assert.Contains(errors, e => e.Contains("health_checks[1].send: a udp check needs the datagram to send"));
        Assert.Contains(errors, e => e.Contains("health_checks[1].status: '700' is not a status"));
        Assert.Contains(errors, e => e.Contains("controller.peers: 'not-an-endpoint' is not HOST:PORT"));
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
