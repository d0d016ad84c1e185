using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 13. One VIP:443 serving TLS, SOCKS5, HTTP and a client-first VPN-like stream: each connection's first payload
/// picks its pool, the controller splices it, and from then on the switch carries it (sequence numbers rewritten).
/// Real clients: curl over HTTPS (and a 20 MB download), curl through the SOCKS5 proxy, curl over plain HTTP, and
/// a stream uploaded and echoed back byte for byte.
/// </summary>
public sealed class MultiplexScenario : IScenario
{
    public string Name => "multiplex";
    public string Description => "TLS, SOCKS5, HTTP and a VPN-like stream on one VIP:443: each reaches its own backend through a splice, bytes intact";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.Config.Vips.FirstOrDefault(v => v.Mode == Offload.Controller.Configuration.VipMode.Multiplex)
                  ?? throw new InvalidOperationException($"{Name} needs a VIP with mode: multiplex in {context.ConfigPath}");
        var endpoint = ScenarioContext.Endpoint(vip);
        var client = context.Client.Name;
        string HostOf(string backend) => context.Run.Topology.Hosts.First(h => h.Has(context.Backend(backend).Address)).Name;
        string Curl(params string[] args)
        {
            var (code, output) = context.Run.Exec(client, "curl", ["-s", "-m", "20", .. args]);
            return code == 0 ? output.Trim() : $"curl failed ({code}): {output.Trim()}";
        }

        foreach (var (kind, args) in new[]
                 {
                     (Offload.Controller.Configuration.PayloadKind.Tls, new[] { "-k", $"https://{endpoint}/" }),
                     (Offload.Controller.Configuration.PayloadKind.Http, new[] { $"http://{endpoint}/" }),
                 })
        {
            var expected = HostOf(vip.Multiplex[kind][0]);
            var answer = Curl(args);
            result.Check($"{kind.ToString().ToLowerInvariant()} reaches its pool", answer == expected, $"answered by {answer} (expected {expected})");
        }
        // Per-request routing: three requests on one keep-alive connection, the middle one under /api/.
        if (vip.HttpRoutes.FirstOrDefault(r => r.PathPrefix is not null) is { } route)
        {
            var (routed, home) = (HostOf(route.Pool[0]), HostOf(vip.Multiplex[Offload.Controller.Configuration.PayloadKind.Http][0]));
            // Each answer is the backend's name, then how many connections curl opened for that request.
            var answers = string.Join(' ', Curl("-w", " %{num_connects}\n", $"http://{endpoint}/", $"http://{endpoint}{route.PathPrefix}x", $"http://{endpoint}/")
                .Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
            var expected = $"{home} 1 {routed} 0 {home} 0";
            result.Check("each request of one keep-alive connection goes where its route says", answers == expected,
                $"{answers} (expected {expected}: each backend, then the connections curl opened)");
        }
        var socksTarget = context.Run.Topology.Hosts.First(h => h.Name == HostOf(vip.Multiplex[Offload.Controller.Configuration.PayloadKind.Tls][0]));
        var proxied = Curl("--socks5", endpoint.ToString(), $"http://{socksTarget.Address.Address}:{socksTarget.Services.First(s => s.HealthPort is not null).HealthPort}/");
        result.Check("socks5 reaches its proxy, which fetches for the client", proxied == socksTarget.Name, $"through the proxy: {proxied}");

        var download = Curl("-k", "-o", "/dev/null", "-w", "%{size_download}", $"https://{endpoint}/bytes/20000000");
        result.Check("a 20 MB download over TLS through the splice", download == "20000000", $"{download} bytes");
        var stream = await context.StreamAsync(client, endpoint, 8_000_000, cancellationToken);
        result.Check("a VPN-like stream (anything else): 8 MB up, every byte back in order", stream.Intact,
            $"{stream.Received} of {stream.Sent} bytes back, {stream.Mismatched} wrong{(stream.Error is { } e ? $", {e}" : "")}, {stream.Sent / stream.Seconds / 1e6:F1} MB/s");
        result.Figures["stream MB/s"] = stream.Sent / stream.Seconds / 1e6;

        // Session affinity: openssl resumes its TLS 1.2 session five times; round robin alone would alternate the two servers.
        if (context.Config.Vips.FirstOrDefault(v => v.Mode == Offload.Controller.Configuration.VipMode.Multiplex
                && v.Affinity == Offload.Controller.Configuration.Affinity.TlsSession) is { } resume)
        {
            foreach (var (by, option) in new[] { ("session id", "-no_ticket"), ("session ticket", "") })
            {
                var (_, output) = context.Run.Exec(client, "sh", "-c", $"openssl s_client -connect {ScenarioContext.Endpoint(resume)} -tls1_2 {option} -reconnect < /dev/null 2>&1");
                var lines = output.Split('\n');
                var (reused, fresh) = (lines.Count(l => l.StartsWith("Reused,", StringComparison.Ordinal)), lines.Count(l => l.StartsWith("New,", StringComparison.Ordinal)));
                result.Check($"a TLS session resumed by {by} returns to the server that holds it", reused == 5 && fresh == 1, $"{fresh} new and {reused} resumed handshakes of 6");
            }
        }

        var spliced = (await context.Run.SwitchesAsync(context.Run.Controller().Name) ?? []).Sum(s => s.Spliced);
        result.Check("every connection was spliced by the controller", spliced >= 5, $"{spliced} spliced");
        return result;
    }
}
