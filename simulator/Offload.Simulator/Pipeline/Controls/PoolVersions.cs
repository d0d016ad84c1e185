using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Externs;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>PoolVersions of pool_versions.p4.</summary>
internal sealed class PoolVersions : Control
{
    private static readonly int[] FlowWidths = [16, 16, 1, 2, 2];
    private readonly TableStore _vipPool;
    private readonly RegisterStore _transitFilter;
    private readonly uint _setPoolVersion;

    public PoolVersions(DeviceState device) : base(device)
    {
        _vipPool = Table(P4Names.VipPool);
        _transitFilter = device.Register(P4Names.TransitFilter);
        _setPoolVersion = ActionId(P4Names.SetPoolVersion);
    }

    public void Apply(PacketContext ctx)
    {
        var meta = ctx.Meta;
        var action = Apply(_vipPool, [meta.VipId], ctx);
        if (action.ActionId == _setPoolVersion)
        {
            meta.PoolVersion = (byte)action[0];
            meta.PreviousPoolVersion = (byte)action[1];
            meta.TransitPhase = (byte)action[2];
            meta.TransitEpoch = (byte)action[3];
        }
        if (meta.TransitPhase == P4Constants.TransitSteady)
            return;
        Span<byte> flow = stackalloc byte[37];
        Crc.Concatenate(flow, [meta.IpSrc, meta.IpDst, meta.IpProto, meta.L4SrcPort, meta.L4DstPort], FlowWidths);
        var first = Crc.Crc32(flow) % _transitFilter.Size;
        var second = Crc.Crc16(flow) % _transitFilter.Size;
        if (meta.TransitPhase == P4Constants.TransitRecording)
        {
            _transitFilter.Write(first, meta.TransitEpoch);
            _transitFilter.Write(second, meta.TransitEpoch);
        }
        else if (meta.TransitPhase == P4Constants.TransitDraining
                 && _transitFilter.Read(first) == meta.TransitEpoch && _transitFilter.Read(second) == meta.TransitEpoch)
        {
            meta.PoolVersion = meta.PreviousPoolVersion;
        }
    }
}
