using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Simulator.Tests.Live;

/// <summary>
/// The packet vectors through live interfaces: offload-sim attached to veth pairs with -i, driven by
/// tests/vectors/run_bmv2.py (the BMv2 runner: Python grpcio for P4Runtime, raw sockets and scapy for packets).
/// </summary>
[Collection("live network")]
public sealed class LiveVectorTests
{
    [Fact]
    public async Task Vectors_ThroughVethPorts_AllPass()
    {
        using var network = new LiveNetwork();
        var links = Enumerable.Range(1, 4).Select(i => network.AddLink($"p{i}")).ToList();
        var pcaps = Directory.CreateTempSubdirectory("offload-pcap-");
        try
        {
            // --no-p4 as with simple_switch_grpc: the runner pushes the pipeline (any device config bytes are kept).
            var deviceConfig = Path.Combine(pcaps.FullName, "offload.json");
            await File.WriteAllTextAsync(deviceConfig, "{\"program\": \"offload.p4\"}");
            using var sim = await SimulatorProcess.StartAsync([
                "--device-id", "0", "--no-p4", "--pcap-dir", pcaps.FullName, .. links.SelectMany((l, i) => new[] { "-i", $"{i + 1}@{l.SwitchEnd}" })]);
            var (exit, output) = await PythonPeer.RunAsync("tests/vectors/run_bmv2.py", TimeSpan.FromMinutes(5),
                ["--grpc-addr", $"127.0.0.1:{sim.GrpcPort}", "--device-id", "0", "--device-config", deviceConfig,
                 .. links.SelectMany((l, i) => new[] { "--port", $"{i + 1}={l.HostEnd}" })]);
            Assert.True(exit == 0, $"run_bmv2.py failed:\n{output}\noffload-sim log:\n{sim.Log}");
            Assert.Matches(@"vectors: \d+ cases, \d+ passed, 0 failed", output);

            var pcap = Path.Combine(pcaps.FullName, "port-2.pcap");
            Assert.True(new FileInfo(pcap).Length > 24, "port 2's pcap is empty");
            if (File.Exists("/usr/bin/tshark"))
            {
                var (code, read) = Shell.Run("/usr/bin/tshark", "-r", pcap, "-Y", "tcp.dstport == 8080");
                Assert.True(code == 0 && read.Contains("8080"), $"tshark could not read {pcap}: {read}");
            }
        }
        finally
        {
            pcaps.Delete(recursive: true);
        }
    }
}

[CollectionDefinition("live network", DisableParallelization = true)]
public sealed class LiveNetworkCollection;
