using Offload.Grpc;

namespace Offload.Simulator.Runtime;

/// <summary>A P4Runtime request the device refuses: the code and message go back to the controller as they are.</summary>
internal sealed class P4Error(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public static P4Error InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);
    public static P4Error NotFound(string message) => new(StatusCode.NotFound, message);
    public static P4Error AlreadyExists(string message) => new(StatusCode.AlreadyExists, message);
    public static P4Error OutOfRange(string message) => new(StatusCode.OutOfRange, message);
    public static P4Error FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);
    public static P4Error ResourceExhausted(string message) => new(StatusCode.ResourceExhausted, message);
    public static P4Error Unimplemented(string message) => new(StatusCode.Unimplemented, message);
    public static P4Error PermissionDenied(string message) => new(StatusCode.PermissionDenied, message);
}
