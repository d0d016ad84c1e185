using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Offload.Controller.Configuration;

namespace Offload.Controller.Health.Ports;

/// <summary>
/// A directly attached backend the switch can ARP for (or, <paramref name="Uplink"/>, a neighbour on an uplink): its
/// port and the interface address on that port.
/// </summary>
public sealed record PortTarget(string Backend, IPAddress Address, uint Port, IPAddress Interface, bool Uplink = false)
{
    public static string UplinkName(UplinkConfig uplink) => $"uplink {uplink.Port} ({uplink.Neighbor})";
}

/// <summary>
/// Watches a switch's ports by ARP: each interval, an ARP request for every directly attached IPv4 backend goes
/// out of the backend's port (a PacketOut), and the replies come back as packet-ins. After <c>misses</c> intervals
/// without an answer a backend is out of selection, and the verdict says which failed: when no neighbour on the port
/// answers, the port or its link ("my link failed"); when others on the port answer, the backend's host ("the peer
/// failed"). A port is judged only once something on it has answered: a switch that cannot punt ARP replies, or a
/// port whose hosts never answer ARP, must not take every backend out of selection (it fails open, like YARP's
/// HealthyOrPanic). Backends behind a next hop are not probed. A switch of an active/standby group also watches its
/// uplinks, and probes from 0.0.0.0 (an RFC 5227 probe), so a standby's probes never point a neighbour's entry for
/// the shared gateway address at it.
/// </summary>
public sealed class PortMonitor(SwitchConfig sw, TimeProvider time)
{
    private readonly Dictionary<IPAddress, DateTimeOffset> _answered = new();
    private readonly HashSet<uint> _portsHeard = [];
    private DateTimeOffset _started = time.GetUtcNow();
    private IReadOnlyList<PortTarget> _targets = [];

    public IReadOnlyList<PortTarget> Targets => _targets;

    /// <summary>Takes the configuration's backends; when the targets change, judging starts afresh (no verdict before a full window).</summary>
    public void Update(OffloadConfig config)
    {
        var interfaces = sw.Interfaces.Where(i => i.Address.AddressFamily == AddressFamily.InterNetwork).ToList();
        var targets = config.Backends.Where(b => b.Address.AddressFamily == AddressFamily.InterNetwork)
            .Select(b => (Backend: b, Interface: interfaces.FirstOrDefault(i => i.Port == b.SwitchPort && i.Subnet.Contains(b.Address))))
            .Where(t => t.Interface is not null)
            .Select(t => new PortTarget(t.Backend.Name, t.Backend.Address, t.Backend.SwitchPort, t.Interface!.Address))
            .Concat(sw.Uplinks.Select(u => new PortTarget(PortTarget.UplinkName(u), u.Neighbor, u.Port, ProbeSender, Uplink: true))).ToList();
        if (targets.SequenceEqual(_targets))
            return;
        _targets = targets;
        Restart();
    }

    /// <summary>Forgets every answer: no verdict before a full window from now (the switch's tables are new).</summary>
    public void Restart()
    {
        lock (_answered)
        {
            _answered.Clear();
            _portsHeard.Clear();
            _started = time.GetUtcNow();
        }
    }

    /// <summary>The ARP request for each target, with the port it leaves on.</summary>
    public IEnumerable<(uint Port, byte[] Frame)> Probes()
    {
        var mac = Plumbing.Addresses.MacToBytes(sw.RouterMac);
        return _targets.Select(t => (t.Port, ArpRequest(mac, sw.Group is null ? t.Interface : ProbeSender, t.Address)));
    }

    private static IPAddress ProbeSender => IPAddress.Any;

    /// <summary>Takes a punted ARP reply (reason ARP_REPLY); false when it is not an ARP reply from a target.</summary>
    public bool Answered(uint ingressPort, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 42 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0806 || BinaryPrimitives.ReadUInt16BigEndian(frame[20..]) != 2)
            return false;
        var sender = new IPAddress(frame.Slice(28, 4));
        if (!_targets.Any(t => t.Address.Equals(sender) && t.Port == ingressPort))
            return false;
        lock (_answered)
        {
            _answered[sender] = time.GetUtcNow();
            _portsHeard.Add(ingressPort);
        }
        return true;
    }

    /// <summary>Each target's verdict: null when it answers within <paramref name="window"/>, else why it is out.</summary>
    public IReadOnlyDictionary<string, string?> Judge(TimeSpan window)
    {
        var now = time.GetUtcNow();
        var verdicts = new Dictionary<string, string?>(StringComparer.Ordinal);
        lock (_answered)
        {
            if (now - _started < window)
                return verdicts;
            bool Answers(PortTarget t) => _answered.TryGetValue(t.Address, out var at) && now - at <= window;
            foreach (var port in _targets.GroupBy(t => t.Port).Where(p => _portsHeard.Contains(p.Key)))
            {
                var anyAnswers = port.Any(Answers);
                foreach (var target in port)
                    verdicts[target.Backend] = Answers(target) ? null
                        : anyAnswers ? $"{target.Address} does not answer ARP on port {port.Key} (its neighbours do): the host is gone, the port works"
                        : $"port {port.Key}: no neighbour answers ARP within {window.TotalSeconds:0.#} s: the port or its link is down";
            }
        }
        return verdicts;
    }


    /// <summary>A broadcast ARP request (RFC 826) for <paramref name="target"/> from our interface.</summary>
    public static byte[] ArpRequest(byte[] mac, IPAddress sender, IPAddress target)
    {
        var frame = new byte[42];
        frame.AsSpan(0, 6).Fill(0xff);
        mac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x0800);
        frame[18] = 6;
        frame[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), 1);
        mac.CopyTo(frame, 22);
        sender.GetAddressBytes().CopyTo(frame, 28);
        target.GetAddressBytes().CopyTo(frame, 38);
        return frame;
    }
}
