using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Offload.Controller.Configuration;
using Offload.Topology.Model;
using Offload.Topology.Running;
using Offload.Topology.Scenarios;
using Offload.Topology.Services;
using Offload.Topology.Traffic;

namespace Offload.Topology;

internal static class Program
{
    public static int Main(string[] args)
    {
        var file = new Argument<string>("file") { Description = "the topology file (topologies/*.yaml)" };
        var prefix = new Option<string?>("--prefix") { Description = "names this run's namespaces and interfaces (default: the topology's name)" };

        var up = new Command("up", "build the topology and run it until Ctrl-C, then tear it all down") { file, prefix };
        up.SetAction((p, ct) => Guard(() => UpAsync(p.GetValue(file)!, p.GetValue(prefix), ct)));

        var downName = new Argument<string>("name") { Description = "the topology's name or --prefix" };
        var down = new Command("down", "remove what a run left behind: processes, namespaces, interfaces") { downName };
        down.SetAction((p, _) => Guard(() => TopologyRun.DownAsync(p.GetValue(downName)!, Console.WriteLine).ContinueWith(_ => 0)));

        var status = new Command("status", "the topologies that are up, their namespaces and processes");
        status.SetAction(_ => Status());

        var host = new Argument<string>("host") { Description = "a host of the running topology" };
        var command = new Argument<string[]>("command") { Description = "the command and its arguments", Arity = ArgumentArity.OneOrMore };
        var execName = new Option<string?>("--topology") { Description = "which running topology (needed when several are up)" };
        var exec = new Command("exec", "run a command in a host's namespace") { host, command, execName };
        exec.SetAction(p => Exec(p.GetValue(host)!, p.GetValue(command)!, p.GetValue(execName)));

        var scenario = new Argument<string>("scenario") { Description = $"one of: {string.Join(", ", ScenarioCatalog.Names)}" };
        var test = new Command("test", "bring the topology up, run a scripted scenario against it, tear it down; exit 0 when it passed") { scenario, file, prefix };
        test.SetAction((p, ct) => Guard(() => TestAsync(p.GetValue(scenario)!, p.GetValue(file)!, p.GetValue(prefix), ct)));

        var root = new RootCommand("offload-topo: real hosts in network namespaces, offload-sim or BMv2 switches, controllers, scripted topology tests")
        {
            up, down, status, exec, test, ServeCommand(), ClientCommand(),
        };
        // The teardown after a signal takes longer than System.CommandLine's grace before it ends the process itself.
        return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static async Task<int> Guard(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (ConfigException ex)
        {
            foreach (var error in ex.Errors)
                Console.Error.WriteLine($"offload-topo: {error}");
            return 2;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"offload-topo: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    private static void Log(string line) => Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {line}");

    private static async Task<int> UpAsync(string path, string? prefix, CancellationToken cancellationToken)
    {
        var topology = TopologyLoader.LoadFile(path);
        using var stop = StopOnSignals(cancellationToken);
        await using var run = await TopologyRun.UpAsync(topology, prefix, Log, stop.Token);
        Log($"topology '{run.Prefix}' is up; logs in {run.LogDirectory}. Try: bin/offload-topo exec {topology.Hosts.First().Name} ip addr. Ctrl-C tears it down.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            Log("stopping");
        }
        return 0;
    }

    private static async Task<int> TestAsync(string name, string path, string? prefix, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Find(name) ?? throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", ScenarioCatalog.Names)}");
        var topology = TopologyLoader.LoadFile(path);
        using var stop = StopOnSignals(cancellationToken);
        ScenarioResult result;
        await using (var run = await TopologyRun.UpAsync(topology, prefix, Log, stop.Token))
            result = await scenario.RunAsync(run, Log, stop.Token);
        Console.WriteLine();
        Console.WriteLine(result.Summary());
        return result.Passed ? 0 : 1;
    }

    /// <summary>
    /// Ctrl-C, SIGTERM and SIGHUP all end the run the same way: through the teardown. The registrations are kept for
    /// the life of the process: one the collector took would let the next signal kill the runner mid-teardown.
    /// </summary>
    private static CancellationTokenSource StopOnSignals(CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
            SignalRegistrations.Add(PosixSignalRegistration.Create(signal, c => { c.Cancel = true; stop.Cancel(); }));
        return stop;
    }

    private static readonly List<PosixSignalRegistration> SignalRegistrations = [];

    private static int Status()
    {
        var prefixes = RunState.Prefixes().ToList();
        if (prefixes.Count == 0)
        {
            Console.WriteLine("no topology is up");
            return 0;
        }
        foreach (var p in prefixes)
        {
            var state = RunState.Load(p);
            if (state is null)
            {
                Console.WriteLine($"{p}: no readable state under {RunState.DirectoryOf(p)}; `offload-topo down {p}` cannot help, remove the directory by hand");
                continue;
            }
            var runner = ManagedProcess.ReadStartTicks(state.RunnerPid) is null ? "gone: run `offload-topo down " + p + "`" : $"pid {state.RunnerPid}";
            Console.WriteLine($"{p}  (topology {state.Topology}, up since {state.Started:HH:mm:ss}, runner {runner})");
            Console.WriteLine($"  {"process",-36} {"pid",8}  {"state",-8} log");
            foreach (var process in state.Processes)
                Console.WriteLine($"  {process.Name,-36} {process.Pid,8}  {(ManagedProcess.ReadStartTicks(process.Pid) == process.StartTicks ? "running" : "gone"),-8} {process.Log}");
            Console.WriteLine($"  namespaces: {string.Join(", ", state.Namespaces)}");
            Console.WriteLine($"  switch ports: {string.Join(", ", state.Links)}");
        }
        return 0;
    }

    private static int Exec(string host, string[] command, string? topology)
    {
        var prefixes = RunState.Prefixes().Where(p => topology is null || p == topology).ToList();
        if (prefixes.Count != 1)
        {
            Console.Error.WriteLine(prefixes.Count == 0 ? "offload-topo: no topology is up" : $"offload-topo: several topologies are up ({string.Join(", ", prefixes)}): say which with --topology");
            return 1;
        }
        var ns = Network.NetworkBuilder.NamespaceOf(prefixes[0], host);
        if (RunState.Load(prefixes[0]) is not { } state || !state.Namespaces.Contains(ns))
        {
            Console.Error.WriteLine($"offload-topo: topology '{prefixes[0]}' has no host '{host}'");
            return 1;
        }
        using var process = System.Diagnostics.Process.Start("ip", ["netns", "exec", ns, .. command]);
        process.WaitForExit();
        return process.ExitCode;
    }

    private static Command ServeCommand()
    {
        var kind = new Argument<string>("kind") { Description = "http, https or echo" };
        var name = new Option<string>("--name") { Description = "the host's name, sent to every client", Required = true };
        var port = new Option<int>("--port") { Description = "the service port", Required = true };
        var healthPort = new Option<int?>("--health-port") { Description = "a second port that answers the same (for health checks)" };
        var serve = new Command("serve", "run a built-in service (inside a host's namespace)") { kind, name, port, healthPort };
        serve.Hidden = true;
        serve.SetAction((p, ct) => p.GetValue(kind) switch
        {
            "http" => ServiceServer.RunHttpAsync(p.GetValue(name)!, p.GetValue(port), p.GetValue(healthPort), tls: false, ct),
            "https" => ServiceServer.RunHttpAsync(p.GetValue(name)!, p.GetValue(port), p.GetValue(healthPort), tls: true, ct),
            "echo" => ServiceServer.RunEchoAsync(p.GetValue(name)!, p.GetValue(port), ct),
            var other => Task.FromResult(Fail($"unknown service '{other}': http, https or echo")),
        });
        return serve;
    }

    private static Command ClientCommand()
    {
        var kind = new Argument<string>("kind") { Description = "http (many short requests), echo (long-lived connections until stdin closes) stream (one client-first connection, --count bytes up and back) or first-byte (--count connections one after another, each to its first echoed byte)" };
        var target = new Option<string>("--target") { Description = "ADDRESS:PORT", Required = true };
        var count = new Option<int>("--count") { Description = "requests (http) or connections (echo)", DefaultValueFactory = _ => 100 };
        var parallel = new Option<int>("--parallel") { Description = "requests at once (http)", DefaultValueFactory = _ => 4 };
        var client = new Command("client", "traffic from inside a host's namespace; prints a JSON report") { kind, target, count, parallel };
        client.Hidden = true;
        client.SetAction(async (p, ct) =>
        {
            if (!IPEndPoint.TryParse(p.GetValue(target)!, out var endpoint))
                return Fail($"'{p.GetValue(target)}' is not ADDRESS:PORT");
            if (p.GetValue(kind) == "http")
            {
                var report = await HttpLoad.RunAsync(endpoint, "/", p.GetValue(count), p.GetValue(parallel), TimeSpan.FromSeconds(5), ct);
                Console.WriteLine(JsonSerializer.Serialize(report, TrafficJson.Default.HttpLoadReport));
                return 0;
            }
            if (p.GetValue(kind) == "echo")
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var checker = new EchoChecker(endpoint, p.GetValue(count), 512, TimeSpan.FromMilliseconds(20));
                _ = Task.Run(async () =>
                {
                    while (await Console.In.ReadLineAsync(CancellationToken.None) is { } line)
                    {
                        if (line == "progress")
                            Console.WriteLine($"progress open={checker.Open} sent={checker.Sent} received={checker.Received} stall_ms={checker.TakeLongestStall().TotalMilliseconds:F0}");
                    }
                    stop.Cancel();
                }, CancellationToken.None);
                var report = await checker.RunAsync(stop.Token);
                Console.WriteLine(JsonSerializer.Serialize(report, TrafficJson.Default.EchoReport));
                return 0;
            }
            if (p.GetValue(kind) == "stream")
            {
                var report = await StreamChecker.RunAsync(endpoint, p.GetValue(count), ct);
                Console.WriteLine(JsonSerializer.Serialize(report, TrafficJson.Default.StreamReport));
                return 0;
            }
            if (p.GetValue(kind) == "first-byte")
            {
                var report = await FirstByteProbe.RunAsync(endpoint, p.GetValue(count), ct);
                Console.WriteLine(JsonSerializer.Serialize(report, TrafficJson.Default.FirstByteReport));
                return 0;
            }
            return Fail($"unknown client '{p.GetValue(kind)}': http, echo, stream or first-byte");
        });
        return client;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"offload-topo: {message}");
        return 2;
    }
}
