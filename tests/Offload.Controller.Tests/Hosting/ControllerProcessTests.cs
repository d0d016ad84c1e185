using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>offload-controller and offloadctl as users run them, against an offload-sim process.</summary>
public sealed class ControllerProcessTests
{

    [Fact]
    public async Task Controller_TakesChargeOfTheSwitch_OffloadctlShowsIt()
    {
        using var sim = await SimulatorProcess.StartAsync("--no-p4");
        var directory = Directory.CreateTempSubdirectory("offload-controller-");
        try
        {
            var config = ExampleConfig.WriteTo(directory, sim.GrpcPort);
            var admin = $"127.0.0.1:{FreePorts.Next()}";
            var (controller, _) = await ProgramProcess.StartAsync("offload-controller.dll", new Regex("admin API on"), "--config", config, "--admin-addr", admin);
            using (controller)
            {
                string status = "";
                await Eventually.WaitUntil(() =>
                {
                    status = ProgramProcess.Run("offloadctl.dll", "status", "--controller", admin).Output;
                    return status.Contains("primary") && status.Contains("inserted");
                }, TimeSpan.FromSeconds(20));
                Assert.Contains("s1", status);
                Assert.DoesNotContain("backup", status);
                Assert.DoesNotContain("disconnected", status);
                Assert.DoesNotContain("\u001b[", status);
                Assert.DoesNotContain("│", status);

                var backends = ProgramProcess.Run("offloadctl.dll", "backends", "--controller", admin);
                Assert.Equal(0, backends.ExitCode);
                Assert.Contains("10.0.1.13:8080", backends.Output);
                var json = ProgramProcess.Run("offloadctl.dll", "vips", "--controller", admin, "--json");
                Assert.Contains("\"algorithm\": \"maglev\"", json.Output);

                using var http = new HttpClient();
                var metrics = await http.GetStringAsync($"http://{admin}/metrics");
                Assert.Contains("offload_switch_primary{switch=\"s1\"} 1", metrics);
                Assert.Contains("pushed offload.p4", controller.Log);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DrainApplyAndSighup_ConvergeTheSwitch()
    {
        using var sim = await SimulatorProcess.StartAsync();
        var directory = Directory.CreateTempSubdirectory("offload-controller-");
        try
        {
            var config = Path.Combine(directory.FullName, "offload.yaml");
            var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"))
                .Replace("address: 127.0.0.1:9559", $"address: 127.0.0.1:{sim.GrpcPort}");
            await File.WriteAllTextAsync(config, yaml);
            var admin = $"127.0.0.1:{FreePorts.Next()}";
            var (controller, _) = await ProgramProcess.StartAsync("offload-controller.dll", new Regex("admin API on"), "--config", config, "--admin-addr", admin);
            using (controller)
            {
                await Eventually.WaitUntil(() => ProgramProcess.Run("offloadctl.dll", "status", "--controller", admin).Output.Contains("inserted"), TimeSpan.FromSeconds(20));

                var drain = ProgramProcess.Run("offloadctl.dll", "drain", "web3", "--controller", admin);
                Assert.True(drain.ExitCode == 0, drain.Output);
                // A new pool version beside the old (1 inserted), recording, flip, settle (3 modified), the old version retired (1 deleted).
                Assert.Contains("s1: 1 inserted, 3 modified, 1 deleted", drain.Output);
                Assert.Matches("web3 .* drained .* 0 ", ProgramProcess.Run("offloadctl.dll", "backends", "--controller", admin).Output);
                Assert.Matches("s1 .* primary ", ProgramProcess.Run("offloadctl.dll", "switches", "--controller", admin).Output);

                var changed = Path.Combine(directory.FullName, "changed.yaml");
                await File.WriteAllTextAsync(changed, yaml.Replace("pool: [web1, web2, web3]", "pool: [web1, web2]"));
                var dryRun = ProgramProcess.Run("offloadctl.dll", "apply", "--dry-run", changed, "--controller", admin);
                Assert.True(dryRun.ExitCode == 0, dryRun.Output);
                Assert.Contains("~ vip web: pool web1, web2, web3 → web1, web2", dryRun.Output);
                Assert.Contains("no changes", ProgramProcess.Run("offloadctl.dll", "apply", "--dry-run", config, "--controller", admin).Output);
                var apply = ProgramProcess.Run("offloadctl.dll", "apply", changed, "--controller", admin);
                Assert.True(apply.ExitCode == 0, apply.Output);
                Assert.Contains("s1: 0 inserted, 0 modified, 1 deleted", apply.Output); // web3 is drained already: only its return-path endpoint goes

                await File.WriteAllTextAsync(changed, yaml.Replace("port: 80\n", "port: 70000\n"));
                var refused = ProgramProcess.Run("offloadctl.dll", "apply", changed, "--controller", admin);
                Assert.Equal(1, refused.ExitCode);
                Assert.Contains("changed.yaml:", refused.Output);

                Shell.Check("kill", "-HUP", controller.Id.ToString());
                await Eventually.WaitUntil(() => controller.Log.Contains("SIGHUP: reloaded"), TimeSpan.FromSeconds(10));
                Assert.Contains("1 inserted, 0 modified, 0 deleted", controller.Log[controller.Log.IndexOf("SIGHUP: reloaded", StringComparison.Ordinal)..]);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("--check-config")]
    public void BadConfig_EveryErrorPrinted_ExitTwo(string flag)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "switches:\n  - name: s1\nvips:\n  - name: v\n");
            var (exit, output) = ProgramProcess.Run("offload-controller.dll", flag, path);
            Assert.Equal(2, exit);
            Assert.Contains("switches[0].address: required", output);
            Assert.Contains("vips[0].port: required", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Offloadctl_P4InfoCheck_ShippedP4Info_Passes()
    {
        var (exit, output) = ProgramProcess.Run("offloadctl.dll", "p4info", "check", RepoPaths.Get("p4", "offload.p4info.txtpb"));
        Assert.True(exit == 0, output);
        Assert.Contains("all ids are what p4c assigns", output);
        Assert.Matches(@"offload\.p4: 2\d file\(s\), 6\d @id pin\(s\), 2 controller header\(s\)", output);
        Assert.DoesNotContain("not checked", output);
    }

    [Fact]
    public async Task Switch_Unreachable_ShownDisconnected()
    {
        var directory = Directory.CreateTempSubdirectory("offload-controller-");
        try
        {
            var config = ExampleConfig.WriteTo(directory, FreePorts.Next());
            var admin = $"127.0.0.1:{FreePorts.Next()}";
            var (controller, _) = await ProgramProcess.StartAsync("offload-controller.dll", new Regex("admin API on"), "--config", config, "--admin-addr", admin);
            using (controller)
            {
                var switches = ProgramProcess.Run("offloadctl.dll", "switches", "--controller", admin);
                Assert.True(switches.ExitCode == 0, switches.Output);
                Assert.Matches("s1 +disconnected ", switches.Output);
                using var http = new HttpClient();
                var ready = await http.GetAsync($"http://{admin}/readyz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains("s1: disconnected", await ready.Content.ReadAsStringAsync());
                var metrics = await http.GetStringAsync($"http://{admin}/metrics");
                Assert.Contains("offload_switch_connected{switch=\"s1\"} 0", metrics);
                Assert.Contains("offload_switch_counters_up{switch=\"s1\"} 0", metrics);
                await Task.Delay(1500);
                // Every failed attempt is retried, but the warning is not repeated while the switch stays down.
                Assert.Single(Regex.Matches(controller.Log, "StreamChannel ended"));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void CheckConfig_Valid_SummaryExitZero()
    {
        var valid = ProgramProcess.Run("offload-controller.dll", "--check-config", Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"));
        Assert.True(valid.ExitCode == 0, valid.Output);
        Assert.Contains("valid: 1 switch(es), 1 VIP(s), 3 backend(s)", valid.Output);
    }

    [Fact]
    public async Task Offloadctl_WrongPeers_OneLineNoStackTrace()
    {
        // Something that answers HTTP but is not offload-controller, and something that accepts and never answers.
        using var html = new TcpListener(IPAddress.Loopback, 0);
        html.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await html.AcceptTcpClientAsync();
                var stream = client.GetStream();
                await stream.ReadAsync(new byte[4096]);
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>"u8.ToArray());
            }
        });
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var cases = new (string[] Args, string Says)[]
        {
            (["status", "--controller", $"127.0.0.1:{((IPEndPoint)html.LocalEndpoint).Port}"], "not offload-controller's JSON"),
            (["backends", "--controller", $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "--timeout", "1"], "did not answer within 1 s"),
            (["vips", "--controller", "nonsense"], "expected HOST:PORT"),
            (["vips", "--controller", "127.0.0.1:99999"], "expected HOST:PORT"),
            (["switches", "--timeout", "-3"], "--timeout"),
        };
        foreach (var (args, says) in cases)
        {
            var (exit, output) = ProgramProcess.Run("offloadctl.dll", args);
            Assert.True(exit == 1, $"{string.Join(' ', args)}: exit {exit}\n{output}");
            Assert.Contains(says, output);
            Assert.DoesNotContain("   at ", output);
            Assert.Single(output.Trim().Split('\n'));
        }
        await Task.CompletedTask;
    }

    [Fact]
    public void Offloadctl_ControllerFromEnvironment()
    {
        var port = FreePorts.Next();
        var (exit, output) = Shell.RunWithEnvironment(new Dictionary<string, string> { ["OFFLOAD_CONTROLLER"] = $"127.0.0.1:{port}" },
            "dotnet", Path.Combine(AppContext.BaseDirectory, "offloadctl.dll"), "status");
        Assert.Equal(1, exit);
        Assert.Contains($"cannot reach offload-controller at 127.0.0.1:{port}", output);
    }

    [Fact]
    public void Offloadctl_NoController_SaysWhereItLooked()
    {
        var (exit, output) = ProgramProcess.Run("offloadctl.dll", "status", "--controller", $"127.0.0.1:{FreePorts.Next()}");
        Assert.Equal(1, exit);
        Assert.Contains("cannot reach offload-controller", output);
    }
}
