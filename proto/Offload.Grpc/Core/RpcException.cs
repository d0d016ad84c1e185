namespace Offload.Grpc;

/// <summary>A call ended with a status other than OK.</summary>
public sealed class RpcException : Exception
{
    public RpcException(RpcStatus status, Metadata? trailers = null)
        : base($"Status({status.Code}, \"{status.Detail}\")")
    {
        Status = status;
        Trailers = trailers ?? Metadata.Empty;
    }

    public RpcException(StatusCode code, string detail) : this(new RpcStatus(code, detail)) { }

    public RpcStatus Status { get; }
    public StatusCode StatusCode => Status.Code;
    public Metadata Trailers { get; }
}
