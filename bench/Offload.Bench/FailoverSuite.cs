using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;

namespace Offload.Bench;

/// <summary>
/// `bench failover`: two offload-controller processes on one offload-sim (election ids 10 and 5, a controller-classify
/// VIP). The primary is killed with SIGKILL, again and again; measured is the time from the kill until the other
/// controller is primary and programmed (classifying again), as its admin API reports it. Baseline in the same run:
/// a controller's cold start to the same state.
/// </summary>
internal static partial class FailoverSuite
{
    public const int Kills = 20;

    public static async Task RunAsync()
    {
        Console.WriteLine($"== controller failover: {Kills} SIGKILLs of the primary of two controllers on one offload-sim (arbitration as BMv2's PI)");
        using var sim = await SimulatorProcess.StartAsync("--device-id", "0");
        var directory = Directory.CreateTempSubdirectory("offload-failover-");
        try
        {
            var yaml = File.ReadAllText(RepoPaths.Get("controller", "offload.example.yaml"))
                .Replace("address: 127.0.0.1:9559", $"address: 127.0.0.1:{sim.GrpcPort}")
                .Replace("mode: dataplane_select", "mode: controller_classify")
                .Replace("algorithm: maglev", "algorithm: round_robin");
            var high = Write(directory, "high.yaml", yaml);
            var low = Write(directory, "low.yaml", yaml.Replace("election_id: 10", "election_id: 5"));
            var highAdmin = $"127.0.0.1:{FreePorts.Next()}";
            var lowAdmin = $"127.0.0.1:{FreePorts.Next()}";

            var watch = Stopwatch.StartNew();
            var primary = await StartAsync(high, highAdmin);
            await WaitPrimaryAsync(highAdmin, TimeSpan.FromSeconds(30));
            var coldStart = watch.Elapsed;
            using var backup = await StartAsync(low, lowAdmin);
            await WaitStateAsync(lowAdmin, "backup", TimeSpan.FromSeconds(30));

            var failovers = new List<double>();
            for (var kill = 1; kill <= Kills; kill++)
            {
                var killedAt = Stopwatch.StartNew();
                primary.Dispose();
                await WaitPrimaryAsync(lowAdmin, TimeSpan.FromSeconds(30));
                failovers.Add(killedAt.Elapsed.TotalMilliseconds);
                Console.WriteLine($"  kill {kill,2}: the backup classifies again after {failovers[^1],7:F1} ms");
                // The killed controller comes back with the higher id and takes the switch back (PI promotes the highest).
                primary = await StartAsync(high, highAdmin);
                await WaitPrimaryAsync(highAdmin, TimeSpan.FromSeconds(30));
                await WaitStateAsync(lowAdmin, "backup", TimeSpan.FromSeconds(30));
            }
            primary.Dispose();

            failovers.Sort();
            double Quantile(double q) => failovers[Math.Min(failovers.Count - 1, (int)Math.Ceiling(q * failovers.Count) - 1)];
            Console.WriteLine();
            Console.WriteLine($"{"",-32} {"ms",9} {"x cold start",13}");
            Console.WriteLine(new string('-', 56));
            Console.WriteLine($"{"cold start to primary (baseline)",-32} {coldStart.TotalMilliseconds,9:F1} {1.0,13:F2}");
            foreach (var (name, value) in new[] { ("failover p50", Quantile(0.5)), ("failover p90", Quantile(0.9)), ("failover max", failovers[^1]) })
                Console.WriteLine($"{name,-32} {value,9:F1} {value / coldStart.TotalMilliseconds,13:F2}");
            Console.WriteLine();
            Console.WriteLine($"goal: new connections classified again <= 500 ms after SIGKILL of the primary: p90 {Quantile(0.9):F0} ms, max {failovers[^1]:F0} ms -> " +
                (failovers[^1] <= 500 ? "met" : "NOT met"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Write(DirectoryInfo directory, string name, string yaml)
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static async Task<ProgramProcess> StartAsync(string config, string admin) =>
        (await ProgramProcess.StartAsync("offload-controller.dll", AdminUp(), "--config", config, "--admin-addr", admin)).Process;

    private static Task WaitPrimaryAsync(string admin, TimeSpan timeout) => WaitStateAsync(admin, "primary", timeout);

    private static async Task WaitStateAsync(string admin, string state, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            try
            {
                using var switches = JsonDocument.Parse(await http.GetStringAsync($"http://{admin}/api/switches"));
                if (switches.RootElement.EnumerateArray().All(s => s.GetProperty("state").GetString() == state))
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(5);
        }
        throw new TimeoutException($"the controller at {admin} was not '{state}' within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
    }

    [GeneratedRegex("admin API on")]
    private static partial Regex AdminUp();
}
