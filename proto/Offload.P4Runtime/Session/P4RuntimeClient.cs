using System.Runtime.CompilerServices;
using Google.Protobuf;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.P4Runtime.Views;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>
/// The unary and server-streaming P4Runtime RPCs for one device. Writes and pipeline changes
/// carry (device id, role, election id); the stream session decides whether we are primary.
/// </summary>
public sealed class P4RuntimeClient
{
    private readonly GrpcChannel _channel;

    public P4RuntimeClient(GrpcChannel channel, ulong deviceId, ElectionId? electionId = null, string role = "")
    {
        _channel = channel;
        DeviceId = deviceId;
        ElectionId = electionId;
        Role = role;
    }

    public ulong DeviceId { get; }
    /// <summary>The id Writes carry; it changes when the controller is elected anew (Cluster/SwitchElection).</summary>
    public ElectionId? ElectionId { get; set; }
    public string Role { get; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken = default)
    {
        var response = await _channel.UnaryAsync(P4RuntimeMethods.Capabilities,
            new CapabilitiesRequest { DeviceId = DeviceId }, Options(cancellationToken)).ConfigureAwait(false);
        return response.P4RuntimeApiVersion;
    }

    public async Task SetPipelineAsync(P4.Config.V1.P4Info p4Info, ByteString? deviceConfig, ulong? cookie = null,
        SetForwardingPipelineConfigRequest.Types.Action action = SetForwardingPipelineConfigRequest.Types.Action.VerifyAndCommit,
        CancellationToken cancellationToken = default)
    {
        var config = new ForwardingPipelineConfig { P4Info = p4Info, P4DeviceConfig = deviceConfig ?? ByteString.Empty };
        if (cookie is { } c)
            config.Cookie = new ForwardingPipelineConfig.Types.Cookie { Cookie_ = c };
        var request = new SetForwardingPipelineConfigRequest { DeviceId = DeviceId, Role = Role, Action = action, Config = config };
        if (ElectionId is { } id)
            request.ElectionId = id.ToProto();
        await _channel.UnaryAsync(P4RuntimeMethods.SetForwardingPipelineConfig, request, Options(cancellationToken))
            .ConfigureAwait(false);
    }

    /// <summary>The device's pipeline, or null when it has none (servers answer NOT_FOUND, FAILED_PRECONDITION or an empty config).</summary>
    public async Task<ForwardingPipelineConfig?> GetPipelineAsync(
        GetForwardingPipelineConfigRequest.Types.ResponseType responseType = GetForwardingPipelineConfigRequest.Types.ResponseType.All,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _channel.UnaryAsync(P4RuntimeMethods.GetForwardingPipelineConfig,
                new GetForwardingPipelineConfigRequest { DeviceId = DeviceId, ResponseType = responseType },
                Options(cancellationToken)).ConfigureAwait(false);
            var config = response.Config;
            return config is null || (config.P4Info is null && config.Cookie is null && config.P4DeviceConfig.IsEmpty) ? null : config;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes a batch. Per-update failures come back in the result (never as an exception); a
    /// failure of the whole request (not primary, no pipeline, unknown device) throws RpcException.
    /// The request goes out as an EncodedWriteRequest (the same bytes as a WriteRequest): <see cref="EncodedUpdates"/>
    /// as they are, other updates encoded here.
    /// </summary>
    public async Task<WriteResult> WriteAsync(IReadOnlyList<Update> updates,
        WriteRequest.Types.Atomicity atomicity = WriteRequest.Types.Atomicity.ContinueOnError,
        CancellationToken cancellationToken = default)
    {
        var request = new EncodedWriteRequest { DeviceId = DeviceId, Role = Role, Atomicity = atomicity, ElectionId = ElectionId?.ToProto() };
        request.Updates.AddRange(EncodedUpdates.Of(updates).Bytes);
        try
        {
            await _channel.UnaryAsync(P4RuntimeMethods.EncodedWrite, request, Options(cancellationToken)).ConfigureAwait(false);
            return WriteResult.Succeeded(updates);
        }
        catch (RpcException ex) when (WriteResult.FromStatus(ex.Status, updates) is { } result)
        {
            return result;
        }
    }

    /// <summary>Streams every entity matching the filters (wildcards as the spec defines them).</summary>
    public async IAsyncEnumerable<Entity> ReadAsync(IEnumerable<Entity> filters,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ReadRequest { DeviceId = DeviceId, Role = Role };
        request.Entities.AddRange(filters);
        using var call = _channel.ServerStreaming(P4RuntimeMethods.Read, request,
            new CallOptions(CancellationToken: cancellationToken));
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            foreach (var entity in call.ResponseStream.Current.Entities)
                yield return entity;
    }

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(Timeout: Timeout, CancellationToken: cancellationToken);

    public static Update Insert(Entity entity) => new() { Type = Update.Types.Type.Insert, Entity = entity };
    public static Update Modify(Entity entity) => new() { Type = Update.Types.Type.Modify, Entity = entity };
    public static Update Delete(Entity entity) => new() { Type = Update.Types.Type.Delete, Entity = entity };
}
