namespace Offload.Grpc.Client;

/// <summary>Per-call settings: metadata, a timeout (sent as grpc-timeout) and cancellation.</summary>
public sealed record CallOptions(Metadata? Headers = null, TimeSpan? Timeout = null,
    CancellationToken CancellationToken = default)
{
    public static readonly CallOptions Default = new();
}
