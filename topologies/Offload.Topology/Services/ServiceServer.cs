using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Offload.Topology.Services;

/// <summary>
/// The services `offload-topo serve` runs inside a host's namespace. HTTP and HTTPS answer <c>GET /</c> (and any
/// other path but these two) with the host's name, so a client can tell which backend it reached; <c>/bytes/N</c> with N
/// bytes and <c>/healthz</c> with "ok",
/// on the service port and on an optional health port. Echo greets each connection with "NAME\n" and then echoes
/// every byte back.
/// </summary>
public static class ServiceServer
{
    public static async Task<int> RunHttpAsync(string name, int port, int? healthPort, bool tls, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        var certificate = tls ? SelfSigned(name) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var p in new[] { port, healthPort }.OfType<int>())
                k.ListenAnyIP(p, l => { if (certificate is not null) l.UseHttps(certificate); });
        });
        var app = builder.Build();
        var body = Encoding.ASCII.GetBytes(name + "\n");
        app.MapGet("/", () => Results.Bytes(body, "text/plain"));
        app.MapGet("/{**path}", () => Results.Bytes(body, "text/plain"));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/bytes/{count:int}", (int count) => count is < 0 or > 1 << 30
            ? Results.BadRequest("count must be 0 to 1073741824\n")
            : Results.Stream(async s => await WriteBytesAsync(s, count), "application/octet-stream"));
        await app.StartAsync(cancellationToken);
        Console.WriteLine($"serving {(tls ? "https" : "http")} as {name} on port {port}{(healthPort is { } h ? $" and {h}" : "")}");
        await WaitAsync(cancellationToken);
        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    private static async Task WriteBytesAsync(Stream stream, int count)
    {
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i++)
            chunk[i] = (byte)i;
        for (var left = count; left > 0; left -= chunk.Length)
            await stream.WriteAsync(chunk.AsMemory(0, Math.Min(left, chunk.Length)));
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public static async Task<int> RunEchoAsync(string name, int port, CancellationToken cancellationToken)
    {
        // IPv4 and IPv6 on one dual-mode socket where the host has IPv6, IPv4 alone where it has not.
        var dual = Socket.OSSupportsIPv6;
        using var listener = new Socket(dual ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (dual)
            listener.DualMode = true;
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(dual ? IPAddress.IPv6Any : IPAddress.Any, port));
        listener.Listen(1024);
        Console.WriteLine($"serving echo as {name} on port {port}");
        var greeting = Encoding.ASCII.GetBytes(name + "\n");
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(cancellationToken);
                _ = EchoAsync(connection, greeting, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    private static async Task EchoAsync(Socket connection, byte[] greeting, CancellationToken cancellationToken)
    {
        using var _ = connection;
        connection.NoDelay = true;
        var buffer = new byte[16 * 1024];
        try
        {
            await connection.SendAsync(greeting, cancellationToken);
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                    break;
                await connection.SendAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            connection.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // The peer went away, or the service stops.
        }
    }

    private static Task WaitAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource();
        cancellationToken.Register(() => done.TrySetResult());
        return done.Task;
    }
}
