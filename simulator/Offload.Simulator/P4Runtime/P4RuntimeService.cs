using Microsoft.Extensions.Logging;
using Offload.Grpc;
using Offload.Grpc.Server;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Simulator.P4Runtime;

/// <summary>
/// The P4Runtime service of one simulated device. Checks follow the spec's order: unknown device →
/// NOT_FOUND, not primary → PERMISSION_DENIED, no pipeline → FAILED_PRECONDITION.
/// </summary>
internal sealed partial class P4RuntimeService
{
    public const string ApiVersion = "1.5.0";

    private readonly ulong _deviceId;
    private readonly ILogger _logger;
    private readonly Arbitration _arbitration = new();

    public P4RuntimeService(ulong deviceId, ILogger logger)
    {
        _deviceId = deviceId;
        _logger = logger;
    }

    public PipelineStore Pipeline { get; } = new();

    public GrpcServiceRegistry Register(GrpcServiceRegistry registry) => registry
        .AddUnary(P4RuntimeMethods.Capabilities, CapabilitiesAsync)
        .AddUnary(P4RuntimeMethods.SetForwardingPipelineConfig, SetPipelineAsync)
        .AddUnary(P4RuntimeMethods.GetForwardingPipelineConfig, GetPipelineAsync)
        .AddUnary(P4RuntimeMethods.Write, WriteAsync)
        .AddServerStreaming(P4RuntimeMethods.Read, ReadAsync)
        .AddDuplexStreaming(P4RuntimeMethods.StreamChannel, StreamChannelAsync);

    private Task<CapabilitiesResponse> CapabilitiesAsync(CapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(new CapabilitiesResponse { P4RuntimeApiVersion = ApiVersion });

    private Task<SetForwardingPipelineConfigResponse> SetPipelineAsync(SetForwardingPipelineConfigRequest request,
        ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        RequirePrimary(request.Role, request.ElectionId);
        var status = Pipeline.Apply(request.Action, request.Config);
        if (status.Code != StatusCode.OK)
            throw new RpcException(status);
        LogPipeline(_logger, request.Action.ToString(), Pipeline.Index?.P4Info.Tables.Count ?? 0, context.Peer);
        return Task.FromResult(new SetForwardingPipelineConfigResponse());
    }

    private Task<GetForwardingPipelineConfigResponse> GetPipelineAsync(GetForwardingPipelineConfigRequest request,
        ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        var response = new GetForwardingPipelineConfigResponse();
        if (Pipeline.Get(request.ResponseType) is { } config)
            response.Config = config;
        return Task.FromResult(response);
    }

    private Task<WriteResponse> WriteAsync(WriteRequest request, ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        RequirePrimary(request.Role, request.ElectionId);
        RequirePipeline();
        if (request.Atomicity != WriteRequest.Types.Atomicity.ContinueOnError)
            throw new RpcException(StatusCode.Unimplemented, $"Atomicity {request.Atomicity} is not supported; use CONTINUE_ON_ERROR");
        if (request.Updates.Count == 0)
            return Task.FromResult(new WriteResponse());
        throw new RpcException(StatusCode.Unimplemented,
            "this offload-sim build serves arbitration and pipeline config only; table programming arrives with the offload.p4 pipeline");
    }

    private Task ReadAsync(ReadRequest request, IAsyncStreamWriter<ReadResponse> responses, ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        RequirePipeline();
        if (request.Entities.Any(e => e.EntityCase == Entity.EntityOneofCase.None))
            throw new RpcException(StatusCode.InvalidArgument, "every entity of a ReadRequest must be set");
        throw new RpcException(StatusCode.Unimplemented,
            "this offload-sim build serves arbitration and pipeline config only; reads arrive with the offload.p4 pipeline");
    }

    private async Task StreamChannelAsync(IAsyncStreamReader<StreamMessageRequest> requests,
        IAsyncStreamWriter<StreamMessageResponse> responses, ServerCallContext context)
    {
        var stream = new ControllerStream(responses, context.Peer);
        try
        {
            while (await requests.MoveNext())
            {
                var message = requests.Current;
                switch (message.UpdateCase)
                {
                    case StreamMessageRequest.UpdateOneofCase.Arbitration:
                        var (failure, notify) = _arbitration.Update(stream, message.Arbitration, _deviceId);
                        if (failure is not null)
                        {
                            LogArbitrationRefused(_logger, context.Peer, failure.ToString());
                            throw new RpcException(failure);
                        }
                        LogArbitration(_logger, context.Peer, stream.ElectionId?.ToString() ?? "unset",
                            _arbitration.IsPrimary(stream) ? "primary" : "backup");
                        await SendAsync(notify);
                        break;
                    case StreamMessageRequest.UpdateOneofCase.Packet or StreamMessageRequest.UpdateOneofCase.DigestAck:
                        if (stream.DeviceId is null)
                            throw new RpcException(StatusCode.FailedPrecondition, "the first stream message must be an arbitration update");
                        if (!_arbitration.IsPrimary(stream))
                            break; // as on BMv2: packet I/O and acks from backups are dropped
                        await responses.WriteAsync(new StreamMessageResponse
                        {
                            Error = new StreamError
                            {
                                CanonicalCode = (int)StatusCode.Unimplemented,
                                Message = "packet I/O and digests arrive with the offload.p4 pipeline",
                                PacketOut = message.UpdateCase == StreamMessageRequest.UpdateOneofCase.Packet
                                    ? new PacketOutError { PacketOut = message.Packet } : null,
                                DigestListAck = message.UpdateCase == StreamMessageRequest.UpdateOneofCase.DigestAck
                                    ? new DigestListAckError { DigestListAck = message.DigestAck } : null,
                            },
                        });
                        break;
                    default:
                        await responses.WriteAsync(new StreamMessageResponse
                        {
                            Error = new StreamError
                            {
                                CanonicalCode = (int)StatusCode.Unimplemented,
                                Message = $"unsupported stream message {message.UpdateCase}",
                                Other = new StreamOtherError { Other = message.Other },
                            },
                        });
                        break;
                }
            }
        }
        finally
        {
            LogStreamClosed(_logger, context.Peer);
            var notify = _arbitration.Remove(stream);
            _ = SendAsync(notify);
        }
    }

    private static async Task SendAsync(IEnumerable<(ControllerStream To, StreamMessageResponse Message)> messages)
    {
        foreach (var (to, message) in messages)
        {
            try
            {
                await to.Writer.WriteAsync(message);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException)
            {
                // The stream closed meanwhile; its own handler cleans up.
            }
        }
    }

    private void RequireDevice(ulong deviceId)
    {
        if (deviceId != _deviceId)
            throw new RpcException(StatusCode.NotFound, $"Unknown device id {deviceId}; this switch is device {_deviceId}");
    }

    private void RequirePrimary(string role, Uint128? electionId)
    {
        if (!_arbitration.IsPrimary(role, electionId))
            throw new RpcException(StatusCode.PermissionDenied,
                $"Not primary for role '{role}': open a StreamChannel and win arbitration with this election id first");
    }

    private void RequirePipeline()
    {
        if (Pipeline.Index is null)
            throw new RpcException(StatusCode.FailedPrecondition, "No forwarding pipeline config set for this device");
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Pipeline {Action} from {Peer}: {Tables} tables")]
    private static partial void LogPipeline(ILogger logger, string action, int tables, string peer);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Controller {Peer}: election id {ElectionId}, {Role}")]
    private static partial void LogArbitration(ILogger logger, string peer, string electionId, string role);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Controller {Peer}: arbitration refused: {Status}")]
    private static partial void LogArbitrationRefused(ILogger logger, string peer, string status);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Controller {Peer}: stream closed")]
    private static partial void LogStreamClosed(ILogger logger, string peer);
}
