using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Offload.Grpc.Server;

/// <summary>
/// A Kestrel host with one HTTP/2-only endpoint (cleartext h2c needs prior knowledge, so HTTP/1.1
/// is not offered) that routes every request to the registered gRPC methods.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The bound address, with the real port when port 0 was asked for.</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    public static async Task<GrpcServer> StartAsync(GrpcServiceRegistry registry, GrpcServerOptions? options = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        options ??= new GrpcServerOptions();
        var endpoint = ParseListenAddress(options.ListenAddress);
        loggerFactory ??= NullLoggerFactory.Instance;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = 64 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 256 * 1024;
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.Certificate is not null)
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = options.Certificate;
                        if (options.ClientCertificateAuthorities is { } authorities)
                        {
                            https.ClientCertificateMode = options.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
                            https.ClientCertificateValidation = (certificate, _, _) => ClientCertificates.ChainsTo(certificate, authorities);
                        }
                    });
            });
        });
        var app = builder.Build();
        var dispatcher = new GrpcRequestDispatcher(registry, options, loggerFactory.CreateLogger("Offload.Grpc.Server"));
        app.Run(dispatcher.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {options.ListenAddress}: {ex.Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var scheme = options.Certificate is null ? "http" : "https";
        var port = new Uri(bound.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "[::1]")).Port;
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : endpoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]"
            : endpoint.Address.ToString();
        return new GrpcServer(app, new Uri($"{scheme}://{host}:{port}"));
    }

    /// <summary>Parses HOST:PORT or [V6]:PORT; host names other than localhost are refused (bind to an address).</summary>
    public static IPEndPoint ParseListenAddress(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new ArgumentException("listen address is empty");
        var text = address.Trim();
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
            text = "127.0.0.1:" + text["localhost:".Length..];
        if (!IPEndPoint.TryParse(text, out var endpoint) || !text.Contains(':')
            || text.StartsWith('[') != (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            || text.EndsWith(']'))
            throw new ArgumentException(
                $"invalid listen address '{address}': expected IPV4:PORT, [IPV6]:PORT or localhost:PORT");
        return endpoint;
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Calls that outlive the grace period are aborted by DisposeAsync below.
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
