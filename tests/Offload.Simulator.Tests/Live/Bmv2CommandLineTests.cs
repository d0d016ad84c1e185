using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.Live;

/// <summary>offload-sim started the way the p4lang tutorials and p4-utils start simple_switch_grpc.</summary>
[Collection("live network")]
public sealed class Bmv2CommandLineTests
{
    [Fact]
    public async Task TutorialsCommandLine_Starts_LoadsTheJson_WritesPcapsPerInterfaceAndDirection()
    {
        using var network = new LiveNetwork();
        var (switchEnd, hostEnd) = network.AddLink("t1");
        var directory = Directory.CreateTempSubdirectory("offload-bm-");
        try
        {
            var json = Path.Combine(directory.FullName, "offload.json");
            await File.WriteAllTextAsync(json, OffloadJson());
            using var sim = await SimulatorProcess.StartExactlyAsync(
                "-i", $"1@{switchEnd}", "--pcap", directory.FullName, "--nanolog", "ipc:///tmp/bm-0-log.ipc", "--device-id", "0", json,
                "--log-console", "-L", "debug", "--thrift-port", "9090", "--", "--grpc-server-addr", "0.0.0.0:0", "--cpu-port", "255");
            Assert.Contains("--thrift-port 9090: no Thrift runtime server", sim.Log);
            Assert.Contains("--nanolog", sim.Log);
            Assert.Matches(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d ", sim.Log);

            // The JSON is offload.p4's, so the pipeline runs from the start: a read succeeds without SetForwardingPipelineConfig.
            using var channel = GrpcChannel.ForAddress($"127.0.0.1:{sim.GrpcPort}");
            var read = await new TestController(channel, 0).Client(1).ReadAsync([new Entity { TableEntry = new TableEntry() }]).ToListAsync();
            Assert.Empty(read);

            Shell.Check("ip", "addr", "add", "198.18.250.1/24", "dev", hostEnd);
            Shell.Run("ping", "-c", "2", "-W", "1", "198.18.250.2");
            var input = Path.Combine(directory.FullName, $"{switchEnd}_in.pcap");
            await Eventually.WaitUntil(() => new FileInfo(input).Length > 24);
            Assert.True(File.Exists(Path.Combine(directory.FullName, $"{switchEnd}_out.pcap")));
            var (code, decoded) = Shell.Run("/usr/bin/tshark", "-r", input, "-Y", "arp.dst.proto_ipv4 == 198.18.250.2");
            Assert.True(code == 0 && decoded.Contains("198.18.250.2"), $"tshark on {input}: {decoded}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Tls_ClientAuthRequired_TrustedClientsConnect_OthersAreRefused()
    {
        using var pki = new TestCertificates();
        using var sim = await SimulatorProcess.StartExactlyAsync("--no-p4", "--",
            "--grpc-server-addr", "127.0.0.1:0", "--grpc-server-ssl", "--grpc-server-cert", pki.ServerCertificate,
            "--grpc-server-key", pki.ServerKey, "--grpc-server-cacert", pki.Ca, "--grpc-server-with-client-auth");
        Assert.Contains("TLS, client certificates required", sim.Log);
        var address = $"127.0.0.1:{sim.GrpcPort}";

        var trusted = await PythonPeer.RunAsync("p4runtime_tls_client.py", TimeSpan.FromSeconds(30),
            "--addr", address, "--ca", pki.Ca, "--cert", pki.ClientCertificate, "--key", pki.ClientKey);
        Assert.True(trusted.ExitCode == 0 && trusted.Output.Contains("VERSION 1.5.0"), trusted.Output);
        var anonymous = await PythonPeer.RunAsync("p4runtime_tls_client.py", TimeSpan.FromSeconds(30), "--addr", address, "--ca", pki.Ca);
        Assert.True(anonymous.ExitCode == 3, anonymous.Output);
        var rogue = await PythonPeer.RunAsync("p4runtime_tls_client.py", TimeSpan.FromSeconds(30),
            "--addr", address, "--ca", pki.Ca, "--cert", pki.RogueCertificate, "--key", pki.RogueKey);
        Assert.True(rogue.ExitCode == 3, rogue.Output);

        using var ours = GrpcChannel.ForAddress($"https://localhost:{sim.GrpcPort}", new GrpcChannelOptions { Ssl = ClientSsl(pki, pki.ClientCertificate, pki.ClientKey) });
        Assert.Equal("1.5.0", await new P4RuntimeClient(ours, 0, new ElectionId(0, 1)).GetApiVersionAsync());
        using var plain = GrpcChannel.ForAddress(address);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => new P4RuntimeClient(plain, 0, new ElectionId(0, 1)).GetApiVersionAsync())).StatusCode);
    }

    [Fact]
    public void AnotherProgramsJson_Refused_NamingIt()
    {
        var json = Path.GetTempFileName();
        try
        {
            File.WriteAllText(json, """{"program": "basic.p4", "pipelines": [{"name": "ingress", "tables": [{"name": "MyIngress.ipv4_lpm"}]}]}""");
            var (exit, output) = ProgramProcess.Run("offload-sim.dll", json, "--", "--grpc-server-addr", "127.0.0.1:0");
            Assert.Equal(2, exit);
            Assert.Contains("basic.p4, not offload.p4", output);
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static SslClientAuthenticationOptions ClientSsl(TestCertificates pki, string certificate, string key)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(pki.Ca);
        return new SslClientAuthenticationOptions
        {
            ClientCertificates = [X509Certificate2.CreateFromPemFile(certificate, key)],
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 server && Offload.Grpc.Server.ClientCertificates.ChainsTo(server, authorities, serverAuth: true),
        };
    }

    // What p4c writes for offload.p4, reduced to what offload-sim checks: every table of the P4Info in a pipeline.
    private static string OffloadJson() => JsonSerializer.Serialize(new
    {
        program = "p4/offload.p4",
        pipelines = new[] { new { name = "ingress", tables = OffloadP4Info.Index.Tables.All.Select(t => new { name = t.Preamble.Name }).ToArray() } },
    });
}
