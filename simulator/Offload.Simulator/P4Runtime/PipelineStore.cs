using Offload.Grpc;
using Offload.P4Runtime.Schema;
using P4.V1;
using Offload.Simulator.Device;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using PipelineAction = P4.V1.SetForwardingPipelineConfigRequest.Types.Action;

namespace Offload.Simulator.P4Runtime;

/// <summary>The device's forwarding pipeline: the committed config and one saved (VERIFY_AND_SAVE) config.</summary>
internal sealed class PipelineStore(Action<PipelineSchema> onCommit)
{
    private readonly object _gate = new();
    private (ForwardingPipelineConfig Config, PipelineSchema Schema)? _saved;

    public ForwardingPipelineConfig? Committed { get; private set; }
    public P4InfoIndex? Index { get; private set; }

    public RpcStatus Apply(PipelineAction action, ForwardingPipelineConfig? config)
    {
        switch (action)
        {
            case PipelineAction.Verify or PipelineAction.VerifyAndSave or PipelineAction.VerifyAndCommit:
            {
                if (config?.P4Info is null)
                    return new RpcStatus(StatusCode.InvalidArgument, $"{action} needs a config with a P4Info");
                if (Verify(config, out var schema) is { } invalid)
                    return invalid;
                lock (_gate)
                {
                    if (action == PipelineAction.VerifyAndSave)
                        _saved = (config, schema!);
                    else if (action == PipelineAction.VerifyAndCommit)
                        Commit(config, schema!);
                }
                return RpcStatus.Ok;
            }
            case PipelineAction.Commit:
                if (config is not null)
                    return new RpcStatus(StatusCode.InvalidArgument, "COMMIT takes no config: it realizes the saved one");
                lock (_gate)
                {
                    if (_saved is null)
                        return new RpcStatus(StatusCode.NotFound, "COMMIT: no config was saved with VERIFY_AND_SAVE");
                    Commit(_saved.Value.Config, _saved.Value.Schema);
                    _saved = null;
                }
                return RpcStatus.Ok;
            case PipelineAction.ReconcileAndCommit:
                return new RpcStatus(StatusCode.Unimplemented, "RECONCILE_AND_COMMIT is not supported: use VERIFY_AND_COMMIT");
            default:
                return new RpcStatus(StatusCode.InvalidArgument, $"invalid SetForwardingPipelineConfig action {action}");
        }
    }

    public ForwardingPipelineConfig? Get(GetForwardingPipelineConfigRequest.Types.ResponseType type)
    {
        var committed = Committed;
        if (committed is null)
            return null;
        var result = new ForwardingPipelineConfig { Cookie = committed.Cookie };
        if (type is GetForwardingPipelineConfigRequest.Types.ResponseType.All or GetForwardingPipelineConfigRequest.Types.ResponseType.P4InfoAndCookie)
            result.P4Info = committed.P4Info;
        if (type is GetForwardingPipelineConfigRequest.Types.ResponseType.All or GetForwardingPipelineConfigRequest.Types.ResponseType.DeviceConfigAndCookie)
            result.P4DeviceConfig = committed.P4DeviceConfig;
        return result;
    }

    private static RpcStatus? Verify(ForwardingPipelineConfig config, out PipelineSchema? schema)
    {
        schema = null;
        try
        {
            var differences = OffloadP4Info.Differences(config.P4Info);
            if (differences.Count > 0)
                return new RpcStatus(StatusCode.InvalidArgument,
                    $"this P4Info is not offload.p4's (offload-sim runs p4/offload.p4): {string.Join("; ", differences.Take(3))}"
                    + (differences.Count > 3 ? $"; and {differences.Count - 3} more" : ""));
            schema = new PipelineSchema(new P4InfoIndex(config.P4Info));
            return null;
        }
        catch (P4InfoException ex)
        {
            return new RpcStatus(StatusCode.InvalidArgument, $"invalid P4Info: {ex.Message}");
        }
        catch (P4Error ex)
        {
            return new RpcStatus(ex.Code, $"invalid P4Info: {ex.Message}");
        }
    }

    private void Commit(ForwardingPipelineConfig config, PipelineSchema schema)
    {
        Committed = config;
        Index = schema.Index;
        onCommit(schema);
    }
}
