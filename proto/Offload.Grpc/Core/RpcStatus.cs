using Google.Protobuf;

namespace Offload.Grpc;

/// <summary>
/// The outcome of a call: code, human-readable detail, and the optional rich
/// status carried in grpc-status-details-bin.
/// </summary>
public sealed record RpcStatus(StatusCode Code, string Detail, Google.Rpc.Status? Details = null)
{
    public static readonly RpcStatus Ok = new(StatusCode.OK, "");

    public static RpcStatus WithDetails(StatusCode code, string detail, params IMessage[] details)
    {
        var rich = new Google.Rpc.Status { Code = (int)code, Message = detail };
        foreach (var d in details)
            rich.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(d));
        return new RpcStatus(code, detail, rich);
    }

    public override string ToString() =>
        Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}
