using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Configuration;
using Offload.Controller.Health;
using Offload.Controller.LoadBalancing;
using Offload.Tests.Common;

namespace Offload.Bench;

/// <summary>
/// `bench health`: one controller's health monitor probing 1 000 backends (TCP, every 100 ms) served by a separate
/// process (<see cref="HealthBackends"/>): CPU used, probe lateness against the schedule, and how long a dead backend takes to be held down. The
/// baselines in the same run: the same number of bare TCP connects from one loop (the probes' raw cost), and the
/// state machine's own bound, fall × interval.
/// </summary>
internal static class HealthSuite
{
    private const int Backends = 1000, Killed = 100;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private const int Fall = 3;

    public static async Task RunAsync(TimeSpan duration)
    {
        var basePort = 20000 + Random.Shared.Next(0, 32768 - 20000 - Backends); // below the ephemeral range
        Console.WriteLine($"== health: {Backends} backends, TCP probe every {Interval.TotalMilliseconds:0} ms, fall {Fall}; {duration.TotalSeconds:0} s steady, then {Killed} backends killed");
        using var backends = Process.Start(new ProcessStartInfo("dotnet", [typeof(HealthBackends).Assembly.Location, "health-backends", $"{basePort}", $"{Backends}"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        try
        {
            if (await backends.StandardOutput.ReadLineAsync() != "ready")
                throw new InvalidOperationException("the backend process did not start");
            var bare = await BareConnectsAsync(basePort, duration);
            await MonitorAsync(backends, basePort, duration, bare);
        }
        finally
        {
            backends.Kill();
        }
    }

    // The raw work: connect and close, the same count per second as the monitor, one after another from one loop.
    private static async Task<double> BareConnectsAsync(int basePort, TimeSpan duration)
    {
        var probes = (int)(Backends * duration.TotalSeconds / Interval.TotalSeconds);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < probes; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, basePort + i % Backends));
        }
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / probes;
        Console.WriteLine($"  bare connects: {probes} in sequence, {used:F1} µs CPU each");
        return used;
    }

    private static async Task MonitorAsync(Process backends, int basePort, TimeSpan duration, double bareMicroseconds)
    {
        var yaml = new StringBuilder("backends:\n");
        for (var i = 0; i < Backends; i++)
            yaml.Append($"  - {{name: b{i}, address: 127.0.0.1, port: {basePort + i}, mac: 00:00:00:00:00:01, switch_port: 1, health_check: tcp}}\n");
        yaml.Append($"health_checks:\n  - {{name: tcp, type: tcp, interval: {Interval.TotalMilliseconds:0}ms, timeout: 80ms, fall: {Fall}, hold_down: 60s}}\n");
        var config = ConfigLoader.Load(yaml.ToString(), "bench-health.yaml", n => new LoadBalancingPolicyRegistry().TryGet(n, out _));

        await using var monitor = new HealthMonitor(TimeProvider.System, NullLogger.Instance);
        var heldDown = new Dictionary<string, long>();
        monitor.Transitioned += (name, t) =>
        {
            if (t.To == HealthState.HoldDown)
                lock (heldDown)
                    heldDown[name] = Stopwatch.GetTimestamp();
        };
        monitor.Update(config);
        monitor.Start(CancellationToken.None);
        await Task.Delay(Interval * 5);
        var probesBefore = monitor.ProbesRun;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(duration);
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var probes = monitor.ProbesRun - probesBefore;
        var perProbe = cpuUsed.TotalMicroseconds / probes;
        var rate = probes / wall.Elapsed.TotalSeconds;

        await backends.StandardInput.WriteLineAsync($"close {basePort} {basePort + Killed - 1}");
        if (await backends.StandardOutput.ReadLineAsync() != "closed")
            throw new InvalidOperationException("the backend process did not close the ports");
        var killedAt = Stopwatch.GetTimestamp();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until)
        {
            lock (heldDown)
            {
                if (heldDown.Count >= Killed)
                    break;
            }
            await Task.Delay(20);
        }
        List<double> detection;
        lock (heldDown)
            detection = heldDown.Values.Select(t => Stopwatch.GetElapsedTime(killedAt, t).TotalMilliseconds).Order().ToList();
        double Quantile(IReadOnlyList<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        var bound = Fall * Interval.TotalMilliseconds;

        Console.WriteLine();
        Console.WriteLine($"{"measure",-44} {"value",14} {"baseline",12} {"ratio",8}");
        Console.WriteLine(new string('-', 82));
        Console.WriteLine($"{"probes/s (target 10 000)",-44} {rate,14:F0} {Backends / Interval.TotalSeconds,12:F0} {rate / (Backends / Interval.TotalSeconds),8:F2}");
        Console.WriteLine($"{"CPU, % of one core",-44} {cpuUsed.TotalSeconds / wall.Elapsed.TotalSeconds * 100,14:F1} {"",12} {"",8}");
        Console.WriteLine($"{"CPU per probe, µs (baseline: bare connect)",-44} {perProbe,14:F1} {bareMicroseconds,12:F1} {perProbe / bareMicroseconds,8:F2}");
        Console.WriteLine($"{"probe lateness p50 / p99, ms",-44} {$"{monitor.Lateness.Quantile(0.5) * 1000:F2} / {monitor.Lateness.Quantile(0.99) * 1000:F2}",14} {"",12} {"",8}");
        Console.WriteLine($"{$"detection p50, ms ({detection.Count}/{Killed} held down)",-44} {Quantile(detection, 0.5),14:F0} {bound,12:F0} {Quantile(detection, 0.5) / bound,8:F2}");
        Console.WriteLine($"{"detection p99, ms (baseline: fall × interval)",-44} {Quantile(detection, 0.99),14:F0} {bound,12:F0} {Quantile(detection, 0.99) / bound,8:F2}");
        Console.WriteLine($"{"detection max, ms (bound: (fall + 1) × interval)",-44} {Quantile(detection, 1),14:F0} {bound + Interval.TotalMilliseconds,12:F0} {Quantile(detection, 1) / (bound + Interval.TotalMilliseconds),8:F2}");
    }
}
