using System.Net;
using System.Text.RegularExpressions;
using Offload.Controller.Configuration;
using Offload.Topology.Model;

namespace Offload.Topology.Scenarios;

/// <summary>
/// 6. Distribution: one service address delivered to two applications. Each application's host captures with
/// tshark; both must see every datagram the client sent to the address.
/// </summary>
public sealed partial class DistributionScenario : IScenario
{
    private const int Datagrams = 60;

    public string Name => "distribution";
    public string Description => $"{Datagrams} datagrams to a delivered service address: every application host captures all of them";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(Name);
        var vip = context.Config.Vips.FirstOrDefault(v => v.DeliverTo.Count >= 2)
            ?? throw new InvalidOperationException($"{context.ConfigPath} has no VIP with deliver_to naming two applications");
        if (vip.Protocol != 17)
            throw new InvalidOperationException($"VIP {vip.Name} is not UDP; the distribution scenario sends UDP datagrams");
        const string protocol = "udp";
        var captures = new List<(ApplicationConfig App, HostSpec Host, Running.ManagedProcess Tshark, string File)>();
        try
        {
            foreach (var app in context.Config.Applications.Where(a => vip.DeliverTo.Contains(a.Name)))
            {
                var host = context.Run.Topology.Hosts.FirstOrDefault(h => context.Run.Topology.LinkOf(h).Port == app.SwitchPort)
                    ?? throw new InvalidOperationException($"no host on switch port {app.SwitchPort} for application {app.Name}");
                var file = Path.Combine(context.Run.LogDirectory, $"capture-{app.Name}.pcap");
                var tshark = context.Run.StartCommandInHost(host.Name, $"tshark {app.Name}", "tshark", "-i", Network.NetworkBuilder.HostInterface, "-n", "-f", $"{protocol} port {vip.Port}", "-w", file);
                await tshark.WaitForLineAsync(Capturing(), TimeSpan.FromSeconds(30));
                captures.Add((app, host, tshark, file));
            }
            await Task.Delay(500, cancellationToken);
            context.Log($"{Datagrams} {protocol} datagrams from {context.Client.Name} to {vip.Name} ({vip.Address}:{vip.Port}), delivered to {string.Join(", ", vip.DeliverTo)}");
            var send = string.Join(";", Enumerable.Range(0, Datagrams).Select(i => $"printf 'offload-seq-{i:D4}' >/dev/udp/{vip.Address}/{vip.Port}"));
            var (code, output) = context.Run.Exec(context.Client.Name, "/bin/bash", "-c", send);
            if (code != 0)
                throw new InvalidOperationException($"sending from {context.Client.Name} failed: {output}");
            await Task.Delay(1500, cancellationToken);
        }
        finally
        {
            foreach (var (_, _, tshark, _) in captures)
                await tshark.StopAsync(TimeSpan.FromSeconds(5));
        }
        foreach (var (app, host, _, file) in captures)
        {
            var (_, output) = Network.SystemCommand.Run("tshark", "-r", file, "-n", "-T", "fields", "-e", "data.data", "-e", "ip.dst");
            var text = string.Join("\n", output.Split('\n').Where(l => l.Contains('\t')));
            var seen = Sequence().Matches(Hex(text)).Select(m => m.Value).ToHashSet();
            var expectedDst = app.Address ?? vip.Address;
            var dsts = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t').Last().Trim()).Distinct().ToList();
            result.Check($"{app.Name} ({host.Name}) saw every datagram", seen.Count == Datagrams, $"{seen.Count}/{Datagrams} distinct datagrams captured");
            result.Check($"{app.Name} copies addressed to {expectedDst}", dsts.Count == 1 && IPAddress.TryParse(dsts[0], out var d) && d.Equals(expectedDst), $"destinations: {string.Join(", ", dsts)}");
        }
        return result;
    }

    /// <summary>tshark prints the payload as hex; the sequence tags are ASCII.</summary>
    private static string Hex(string fields) => string.Concat(fields.Split('\n').Select(line =>
    {
        var hex = line.Split('\t')[0].Replace(":", "").Trim();
        try
        {
            return System.Text.Encoding.ASCII.GetString(Convert.FromHexString(hex)) + "\n";
        }
        catch (FormatException)
        {
            return "";
        }
    }));

    [GeneratedRegex(@"offload-seq-\d{4}")]
    private static partial Regex Sequence();

    [GeneratedRegex("Capturing on")]
    private static partial Regex Capturing();
}
