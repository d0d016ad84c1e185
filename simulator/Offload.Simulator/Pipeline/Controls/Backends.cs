using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.ActionProfiles;
using Offload.Simulator.Runtime.Externs;
using Offload.Simulator.Runtime.Tables;

namespace Offload.Simulator.Pipeline.Controls;

/// <summary>Backends of backends.p4.</summary>
internal sealed class Backends : Control
{
    private readonly TableStore _backendSelect, _backends;
    private readonly CounterStore _backendCounter;
    private readonly uint _setBackendId, _setBackendV4, _setBackendV6, _noBackend;
    private readonly Func<uint, bool> _isPortUp;

    public Backends(DeviceState device, Func<uint, bool> isPortUp) : base(device)
    {
        _backendSelect = Table(P4Names.BackendSelect);
        _backends = Table(P4Names.Backends);
        _backendCounter = device.Counter(P4Names.BackendCounter);
        _setBackendId = ActionId(P4Names.SetBackendId);
        _setBackendV4 = ActionId(P4Names.SetBackendV4);
        _setBackendV6 = ActionId(P4Names.SetBackendV6);
        _noBackend = ActionId(P4Names.NoBackend);
        _isPortUp = isPortUp;
    }

    public void Apply(PacketContext ctx)
    {
        var hdr = ctx.Hdr;
        var meta = ctx.Meta;
        if (meta.SelectBackend)
        {
            SelectBackend(ctx);
            if (meta.BackendId == 0)
            {
                meta.DropReason = P4Constants.DropNoBackend;
            }
            else
            {
                meta.ToBackend = true;
                ctx.Std.Digest = true;
            }
        }
        if (meta.BackendId == 0 || meta.DropReason != P4Constants.DropNone)
            return;
        _backendCounter.Count(meta.BackendId, ctx.Std.PacketLength);
        if (!meta.ToBackend)
            return;
        var action = Apply(_backends, [meta.BackendId], ctx);
        if (action.ActionId == _setBackendV4)
        {
            if (hdr.Ipv4Valid)
                hdr.Ipv4.DstAddr = (uint)action[0];
            meta.NatL4Port = (ushort)action[1];
            meta.L4Rewritten = true;
        }
        else if (action.ActionId == _setBackendV6)
        {
            if (hdr.Ipv6Valid)
                hdr.Ipv6.DstAddr = action[0];
            meta.NatL4Port = (ushort)action[1];
            meta.L4Rewritten = true;
        }
        else if (action.ActionId == _noBackend)
        {
            meta.DropReason = P4Constants.DropNoBackend;
        }
        if (hdr.TcpValid)
            hdr.Tcp.DstPort = meta.NatL4Port;
        else if (hdr.UdpValid)
            hdr.Udp.DstPort = meta.NatL4Port;
    }

    private void SelectBackend(PacketContext ctx)
    {
        var meta = ctx.Meta;
        var entry = _backendSelect.Lookup([meta.VipId, meta.PoolVersion], ctx.Std.PacketLength, ctx.Timestamp);
        if (entry is null)
        {
            meta.BackendId = 0;
            return;
        }
        var hash = SelectorHash.Compute([meta.IpSrc, meta.IpDst, meta.IpProto, meta.L4SrcPort, meta.L4DstPort]);
        var action = Device.Resolve(_backendSelect, entry, hash, _isPortUp);
        if (action?.ActionId == _setBackendId)
            meta.BackendId = (ushort)action[0];
    }
}
