namespace Offload.Grpc.Wire;

/// <summary>Header names and fixed values of the gRPC HTTP/2 protocol (grpc/doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string IdentityEncoding = "identity";
    public const string UserAgent = "offload-grpc/1.0";

    public const int HeaderSize = 5;

    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    /// <summary>Headers that belong to the protocol, never surfaced as custom metadata.</summary>
    public static bool IsReserved(string key) =>
        key.StartsWith(':') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("te", StringComparison.OrdinalIgnoreCase)
        || key.Equals("user-agent", StringComparison.OrdinalIgnoreCase)
        || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || key.Equals("date", StringComparison.OrdinalIgnoreCase)
        || key.Equals("server", StringComparison.OrdinalIgnoreCase)
        || key.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase);
}
