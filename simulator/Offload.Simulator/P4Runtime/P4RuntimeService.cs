using System.Buffers;
using Microsoft.Extensions.Logging;
using Offload.Grpc;
using Offload.Grpc.Server;
using Offload.P4Runtime.Session;
using Offload.P4Runtime.Views;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.Runtime;
using P4.V1;

namespace Offload.Simulator.P4Runtime;

/// <summary>
/// The P4Runtime service of one simulated device. Checks follow the spec's order: unknown device →
/// NOT_FOUND, not primary → PERMISSION_DENIED, no pipeline → FAILED_PRECONDITION.
/// </summary>
internal sealed partial class P4RuntimeService
{
    public const string ApiVersion = "1.5.0";

    private const int MaxReadResponseBytes = 3 * 1024 * 1024;
    private readonly ulong _deviceId;
    private readonly ILogger _logger;
    private readonly Arbitration _arbitration;
    private readonly SwitchDevice _device;

    public P4RuntimeService(ulong deviceId, SwitchDevice device, ILogger logger, ArbitrationMode arbitration = ArbitrationMode.Bmv2)
    {
        _arbitration = new Arbitration(arbitration);
        _deviceId = deviceId;
        _device = device;
        _logger = logger;
        Pipeline = new PipelineStore(device.Commit);
        device.ToController = message => _arbitration.PrimaryFor("") is { } primary && primary.Enqueue(message);
    }

    public PipelineStore Pipeline { get; }

    public GrpcServiceRegistry Register(GrpcServiceRegistry registry) => registry
        .AddUnary(P4RuntimeMethods.Capabilities, CapabilitiesAsync)
        .AddUnary(P4RuntimeMethods.SetForwardingPipelineConfig, SetPipelineAsync)
        .AddUnary(P4RuntimeMethods.GetForwardingPipelineConfig, GetPipelineAsync)
        .AddUnary(P4RuntimeMethods.EncodedWrite, WriteAsync)
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

    /// <summary>
    /// A Write, read as <see cref="EncodedWriteRequest"/> so that each update is decoded on its own: connection-table
    /// inserts and deletes straight from their bytes (<see cref="ExactEntryWriter"/>), the rest parsed and applied
    /// by <see cref="EntityWriter"/>. Every update is read before any is applied, so a malformed one fails the whole
    /// request as a malformed WriteRequest does.
    /// </summary>
    private Task<WriteResponse> WriteAsync(EncodedWriteRequest request, ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        RequirePrimary(request.Role, request.ElectionId);
        var state = RequireState();
        if (request.Atomicity != WriteRequest.Types.Atomicity.ContinueOnError)
            throw new RpcException(StatusCode.Unimplemented, $"Atomicity {request.Atomicity} is not supported; use CONTINUE_ON_ERROR");
        var updates = request.Updates;
        int failed;
        Error[] errors;
        var reads = ArrayPool<(ExactWrite Exact, Update? General)>.Shared.Rent(updates.Count);
        try
        {
            lock (state.Gate)
            {
                for (var i = 0; i < updates.Count; i++)
                    reads[i] = ExactEntryWriter.TryRead(state, updates[i].Span, out var exact) ? (exact, null) : (default, ParseUpdate(updates[i]));
                (errors, failed) = EachOrError(updates.Count, i =>
                {
                    var (exact, general) = reads[i];
                    if (general is null && ExactEntryWriter.TryApply(exact))
                        return;
                    EntityWriter.Apply(state, general ?? Update.Parser.ParseFrom(updates[i]));
                });
            }
        }
        finally
        {
            ArrayPool<(ExactWrite, Update?)>.Shared.Return(reads, clearArray: true);
        }
        if (failed == 0)
            return Task.FromResult(new WriteResponse());
        LogWriteFailed(_logger, failed, updates.Count, context.Peer, errors.First(e => e.CanonicalCode != 0).Message);
        throw new RpcException(RpcStatus.WithDetails(StatusCode.Unknown, $"{failed} of {updates.Count} updates failed", errors));
    }

    private static Update ParseUpdate(Google.Protobuf.ByteString update)
    {
        try
        {
            return Update.Parser.ParseFrom(update);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize message: {ex.Message}");
        }
    }

    private async Task ReadAsync(ReadRequest request, IAsyncStreamWriter<ReadResponse> responses, ServerCallContext context)
    {
        RequireDevice(request.DeviceId);
        var state = RequireState();
        var entities = new List<Entity>();
        int failed;
        Error[] errors;
        lock (state.Gate)
            (errors, failed) = EachOrError(request.Entities.Count, i => entities.AddRange(EntityReader.Read(state, request.Entities[i])));
        if (failed == 1 && request.Entities.Count == 1)
            throw new RpcException((StatusCode)errors[0].CanonicalCode, errors[0].Message);
        var response = new ReadResponse();
        var size = 0;
        foreach (var entity in entities)
        {
            var entitySize = entity.CalculateSize() + 8;
            if (size + entitySize > MaxReadResponseBytes && response.Entities.Count > 0)
            {
                await responses.WriteAsync(response);
                response = new ReadResponse();
                size = 0;
            }
            response.Entities.Add(entity);
            size += entitySize;
        }
        if (response.Entities.Count > 0 || entities.Count == 0)
            await responses.WriteAsync(response);
        if (failed > 0)
            throw new RpcException(RpcStatus.WithDetails(StatusCode.Unknown, $"{failed} of {request.Entities.Count} read filters failed", errors));
    }

    private async Task StreamChannelAsync(IAsyncStreamReader<StreamMessageRequest> requests,
        IAsyncStreamWriter<StreamMessageResponse> responses, ServerCallContext context)
    {
        var stream = new ControllerStream(context.Peer);
        var pump = stream.PumpAsync(responses);
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
                        Send(notify);
                        break;
                    case StreamMessageRequest.UpdateOneofCase.Packet or StreamMessageRequest.UpdateOneofCase.DigestAck:
                        if (stream.DeviceId is null)
                            throw new RpcException(StatusCode.FailedPrecondition, "the first stream message must be an arbitration update");
                        if (!_arbitration.IsPrimary(stream))
                            break; // as on BMv2: packet I/O and acks from backups are dropped
                        HandlePacketOrAck(stream, message);
                        break;
                    default:
                        stream.Enqueue(new StreamMessageResponse
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
            Send(_arbitration.Remove(stream));
            stream.Complete();
            try
            {
                await pump;
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException)
            {
                // The client went away; nothing left to deliver.
            }
        }
    }

    private static readonly Error Succeeded = new(); // only ever serialized into a status, never changed

    /// <summary>Runs every item of a request; a refused item becomes its p4.v1.Error, in order, and the rest still run.</summary>
    private static (Error[] Errors, int Failed) EachOrError(int count, Action<int> apply)
    {
        var errors = new Error[count];
        var failed = 0;
        for (var i = 0; i < count; i++)
        {
            errors[i] = Succeeded;
            try
            {
                apply(i);
            }
            catch (P4Error ex)
            {
                errors[i] = new Error { CanonicalCode = (int)ex.Code, Message = ex.Message };
                failed++;
            }
        }
        return (errors, failed);
    }

    private void HandlePacketOrAck(ControllerStream stream, StreamMessageRequest message)
    {
        try
        {
            if (message.UpdateCase == StreamMessageRequest.UpdateOneofCase.DigestAck)
                _device.AckDigest(message.DigestAck);
            else
                _device.PacketOut(message.Packet);
        }
        catch (P4Error ex)
        {
            LogStreamMessageRefused(_logger, context: stream.Peer, ex.Message);
            var error = new StreamError { CanonicalCode = (int)ex.Code, Message = ex.Message };
            if (message.UpdateCase == StreamMessageRequest.UpdateOneofCase.Packet)
                error.PacketOut = new PacketOutError { PacketOut = message.Packet };
            else
                error.DigestListAck = new DigestListAckError { DigestListAck = message.DigestAck };
            stream.Enqueue(new StreamMessageResponse { Error = error });
        }
    }

    private static void Send(IEnumerable<(ControllerStream To, StreamMessageResponse Message)> messages)
    {
        foreach (var (to, message) in messages)
            to.Enqueue(message);
    }

    private DeviceState RequireState()
    {
        RequirePipeline();
        return _device.State ?? throw new RpcException(StatusCode.FailedPrecondition, "No forwarding pipeline config set for this device");
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

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Write from {Peer}: {Failed} of {Total} updates failed, first: {First}")]
    private static partial void LogWriteFailed(ILogger logger, int failed, int total, string peer, string first);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Stream message from {Context} refused: {Reason}")]
    private static partial void LogStreamMessageRefused(ILogger logger, string context, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Controller {Peer}: stream closed")]
    private static partial void LogStreamClosed(ILogger logger, string peer);
}
