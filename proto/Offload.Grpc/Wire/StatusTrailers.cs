using System.Globalization;
using Google.Protobuf;

namespace Offload.Grpc.Wire;

/// <summary>Reads and writes grpc-status, grpc-message and grpc-status-details-bin.</summary>
internal static class StatusTrailers
{
    public static void Write(RpcStatus status, Action<string, string> add)
    {
        add(GrpcProtocol.StatusHeader, ((int)status.Code).ToString(CultureInfo.InvariantCulture));
        if (status.Detail.Length > 0)
            add(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        if (status.Details is not null)
            add(GrpcProtocol.StatusDetailsHeader, Base64Metadata.Encode(status.Details.ToByteArray()));
    }

    /// <summary>Parses a status; lookup returns the header value or null.</summary>
    public static RpcStatus? TryRead(Func<string, string?> lookup)
    {
        var code = lookup(GrpcProtocol.StatusHeader);
        if (code is null)
            return null;
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return new RpcStatus(StatusCode.Unknown, $"Invalid grpc-status value '{code}'.");
        var detail = PercentEncoding.Decode(lookup(GrpcProtocol.MessageHeader));
        Google.Rpc.Status? rich = null;
        var details = lookup(GrpcProtocol.StatusDetailsHeader);
        if (details is not null && Base64Metadata.TryDecode(details, out var bytes))
        {
            try
            {
                rich = Google.Rpc.Status.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                rich = null;
            }
        }
        return new RpcStatus((StatusCode)value, detail, rich);
    }
}
