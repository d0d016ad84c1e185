using Offload.Grpc;

namespace Offload.P4Runtime.Bytestrings;

/// <summary>A value that cannot be a P4Runtime bytestring of the required width.</summary>
public sealed class P4EncodingException : Exception
{
    public P4EncodingException(StatusCode code, string message) : base(message) => Code = code;

    /// <summary>INVALID_ARGUMENT (malformed or empty) or OUT_OF_RANGE (wider than the field), as the spec asks servers to answer.</summary>
    public StatusCode Code { get; }
}
