using System.Diagnostics;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Offload.Testing;
using GrpcCore = global::Grpc.Core;

namespace Offload.Bench;

/// <summary>
/// The same echo work on Microsoft's gRPC stack (Grpc.Net.Client, Grpc.AspNetCore.Server 2.85), with the same
/// service path and messages as EchoMethods, so every client meets every server.
/// </summary>
internal static class GrpcDotnet
{
    private const string Service = "offload.testing.Echo";
    private static readonly EchoRequest Request = new() { Payload = ByteString.CopyFrom(new byte[16]) };

    private static readonly GrpcCore.Marshaller<EchoRequest> RequestMarshaller = GrpcCore.Marshallers.Create(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom);
    private static readonly GrpcCore.Marshaller<EchoResponse> ResponseMarshaller = GrpcCore.Marshallers.Create(m => m.ToByteArray(), EchoResponse.Parser.ParseFrom);

    public static readonly GrpcCore.Method<EchoRequest, EchoResponse> Unary = new(GrpcCore.MethodType.Unary, Service, "Unary", RequestMarshaller, ResponseMarshaller);
    public static readonly GrpcCore.Method<EchoRequest, EchoResponse> Bidi = new(GrpcCore.MethodType.DuplexStreaming, Service, "Bidi", RequestMarshaller, ResponseMarshaller);

    public static async Task<double> UnaryAsync(string address, TimeSpan duration)
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress($"http://{address}");
        var invoker = channel.CreateCallInvoker();
        for (var i = 0; i < 2000; i++)
            await invoker.AsyncUnaryCall(Unary, null, default, Request);
        var count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            await invoker.AsyncUnaryCall(Unary, null, default, Request);
            count++;
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    public static async Task<double> BidiAsync(string address, TimeSpan duration)
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress($"http://{address}");
        var invoker = channel.CreateCallInvoker();
        await RunBidiAsync(invoker, TimeSpan.FromSeconds(1));
        return await RunBidiAsync(invoker, duration);
    }

    private static async Task<double> RunBidiAsync(GrpcCore.CallInvoker invoker, TimeSpan duration)
    {
        using var call = invoker.AsyncDuplexStreamingCall(Bidi, null, default);
        return await GrpcBenchmark.StreamAsync(call.RequestStream.WriteAsync, call.RequestStream.CompleteAsync,
            () => call.ResponseStream.MoveNext(CancellationToken.None), duration);
    }

    /// <summary>Grpc.AspNetCore.Server on Kestrel, h2c on loopback with the same limits as ours; returns HOST:PORT.</summary>
    public static async Task<(WebApplication App, string Address)> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            k.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.MapGrpcService<AspNetEchoService>();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        return (app, $"127.0.0.1:{new Uri(bound).Port}");
    }
}

/// <summary>
/// The echo service bound by hand, as Grpc.Tools' generated code binds it: ASP.NET discovers the methods with a null
/// instance and finds, on the service type, the overrides of the base's virtual methods named as the RPCs.
/// </summary>
[GrpcCore.BindServiceMethod(typeof(AspNetEchoBase), nameof(BindService))]
public abstract class AspNetEchoBase
{
    public static void BindService(GrpcCore.ServiceBinderBase binder, AspNetEchoBase? service)
    {
        binder.AddMethod(GrpcDotnet.Unary, service is null ? null : service.Unary);
        binder.AddMethod(GrpcDotnet.Bidi, service is null ? null : service.Bidi);
    }

    public abstract Task<EchoResponse> Unary(EchoRequest request, GrpcCore.ServerCallContext context);

    public abstract Task Bidi(GrpcCore.IAsyncStreamReader<EchoRequest> requests, GrpcCore.IServerStreamWriter<EchoResponse> responses,
        GrpcCore.ServerCallContext context);
}

public sealed class AspNetEchoService : AspNetEchoBase
{
    public override Task<EchoResponse> Unary(EchoRequest request, GrpcCore.ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Payload = request.Payload });

    public override async Task Bidi(GrpcCore.IAsyncStreamReader<EchoRequest> requests, GrpcCore.IServerStreamWriter<EchoResponse> responses,
        GrpcCore.ServerCallContext context)
    {
        var index = 0;
        while (await requests.MoveNext(context.CancellationToken))
            await responses.WriteAsync(new EchoResponse { Payload = requests.Current.Payload, Index = index++ });
    }
}
