using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Offload.Controller.Health.Probes;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Health;

/// <summary>Every probe against a real server on loopback, up and then down.</summary>
public sealed class ProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);


    private static ProbeTarget Target(ushort port) => new(IPAddress.Loopback, port);

    private static Task<ProbeResult> Run(IHealthProbe probe, ushort port) => ProbeRunner.RunAsync(probe, Target(port), Timeout, CancellationToken.None);

    /// <summary>A server process that listens on a port; killed on dispose.</summary>
    private sealed class Server : IDisposable
    {
        private readonly Process _process;

        public Server(ushort port, string file, params string[] args)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in args)
                start.ArgumentList.Add(a);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            Eventually.WaitUntil(() =>
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }

    [Fact]
    public async Task Tcp_UpWhileListening_DownWhenRefused()
    {
        var port = FreePorts.Next();
        using (var listener = new TcpListener(IPAddress.Loopback, port))
        {
            listener.Start();
            Assert.True((await Run(new TcpProbe(), port)).Up);
        }
        var down = await Run(new TcpProbe(), port);
        Assert.False(down.Up);
        Assert.Contains("ConnectionRefused", down.Detail);
    }

    [Fact]
    public async Task Http_StatusRangeAndBody_FromAKestrelServer()
    {
        var port = FreePorts.Next();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(builder.WebHost, $"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/healthz", (Microsoft.AspNetCore.Http.HttpRequest r) => $"ok from {r.Host}");
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/broken", () => Microsoft.AspNetCore.Http.Results.StatusCode(503));
        await app.StartAsync();

        var up = await Run(new HttpProbe(new HttpCheck("/healthz", Host: "vpn.example", BodyContains: "ok from vpn.example")), port);
        Assert.True(up.Up, up.Detail);
        Assert.Equal("status 200", up.Detail);
        Assert.Equal("status 503, expected 200-399", (await Run(new HttpProbe(new HttpCheck("/broken")), port)).Detail);
        Assert.Equal("status 200, but the body lacks \"healthy\"", (await Run(new HttpProbe(new HttpCheck("/healthz", BodyContains: "healthy")), port)).Detail);
        Assert.True((await Run(new HttpProbe(new HttpCheck("/broken", StatusLow: 500, StatusHigh: 599)), port)).Up);
        await app.StopAsync();
        Assert.False((await Run(new HttpProbe(new HttpCheck("/healthz")), port)).Up);
    }

    [Fact]
    public async Task TlsAndHttps_AgainstOpensslSServer()
    {
        var directory = Directory.CreateTempSubdirectory("offload-tls-");
        try
        {
            var key = Path.Combine(directory.FullName, "key.pem");
            var cert = Path.Combine(directory.FullName, "cert.pem");
            Shell.Check("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=vpn.example");
            var port = FreePorts.Next();
            using (new Server(port, "openssl", "s_server", "-accept", port.ToString(), "-cert", cert, "-key", key, "-www", "-quiet"))
            {
                var tls = await Run(new TlsProbe("vpn.example"), port);
                Assert.True(tls.Up, tls.Detail);
                Assert.Contains("Tls", tls.Detail);
                var https = await Run(new HttpProbe(new HttpCheck("/", Host: "vpn.example", Tls: true)), port);
                Assert.True(https.Up, https.Detail);
                var verified = await Run(new TlsProbe("vpn.example", verifyCertificate: true), port);
                Assert.False(verified.Up); // self-signed: refused when the certificate is checked
            }
            Assert.False((await Run(new TlsProbe("vpn.example"), port)).Up);

            // A plain TCP server that never speaks TLS: the handshake times out.
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            var result = await ProbeRunner.RunAsync(new TlsProbe(null), Target((ushort)((IPEndPoint)silent.LocalEndpoint).Port), TimeSpan.FromMilliseconds(300), CancellationToken.None);
            Assert.Equal("no answer within 300 ms", result.Detail);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Socks5_AgainstMicrosocks_AndNotAgainstHttp()
    {
        var port = FreePorts.Next();
        using (new Server(port, "microsocks", "-i", "127.0.0.1", "-p", port.ToString()))
        {
            var up = await Run(new Socks5Probe(), port);
            Assert.True(up.Up, up.Detail);
            Assert.Equal("SOCKS5, no authentication", up.Detail);
        }
        var down = await Run(new Socks5Probe(), port);
        Assert.False(down.Up);
    }

    [Fact]
    public async Task Udp_ReplyExpected()
    {
        using var server = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = (ushort)((IPEndPoint)server.Client.LocalEndPoint!).Port;
        var echo = Task.Run(async () =>
        {
            var request = await server.ReceiveAsync();
            await server.SendAsync(Encoding.ASCII.GetBytes("PONG " + Encoding.ASCII.GetString(request.Buffer)), request.RemoteEndPoint);
        });
        var up = await Run(new UdpProbe(Encoding.ASCII.GetBytes("PING"), Encoding.ASCII.GetBytes("PONG")), port);
        Assert.True(up.Up, up.Detail);
        await echo;
        var silent = await ProbeRunner.RunAsync(new UdpProbe(Encoding.ASCII.GetBytes("PING"), Encoding.ASCII.GetBytes("PONG")), Target(port),
            TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.False(silent.Up);
    }

    [Theory]
    [InlineData("exit 0", true, null)]
    [InlineData("echo dead; exit 1", false, null)]
    [InlineData("exit 7", true, 5)]
    public async Task Script_ExitCodeIsTheVerdict_AndTheWeight(string script, bool up, int? weight)
    {
        var result = await Run(new ScriptProbe("/bin/sh", ["-c", $"test \"$OFFLOAD_BACKEND_PORT\" = 4242 || exit 1; {script}"]), 4242);
        Assert.Equal(up, result.Up);
        Assert.Equal(weight, result.Weight);
    }

    [Fact]
    public async Task Script_StillRunningAtTheTimeout_KilledAndDown()
    {
        var watch = Stopwatch.StartNew();
        var result = await ProbeRunner.RunAsync(new ScriptProbe("/bin/sleep", ["30"]), Target(1), TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.False(result.Up);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }
}
