using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.Plumbing;
using Offload.Packets.Headers;

namespace Offload.Controller.Multiplexing;

/// <summary>
/// What the splicer does to the switch: send a frame out of a port, send one through the pipeline, pin a connection
/// (both entries, or its forward entry alone), and pin the reverse entry of one pinned forward only.
/// </summary>
public sealed record SpliceActions(
    Func<uint, byte[], CancellationToken, Task> ToPort,
    Func<byte[], CancellationToken, Task> ThroughPipeline,
    Func<Connection, bool, CancellationToken, Task<int>> Pin,
    Func<Connection, CancellationToken, Task> PinReverse,
    Func<Connection, CancellationToken, Task> UnpinReverse);

/// <summary>
/// Delayed binding for a multiplex VIP, done by the controller with packet-in and packet-out: it answers the client's
/// SYN itself, waits for the first payload, classifies it (TLS, SOCKS5, HTTP, anything else), opens the connection
/// to the chosen backend from the client's own address and sequence numbers, and once the backend's SYN-ACK is in,
/// pins the connection with the difference of the two initial sequence numbers: from then on the switch rewrites the
/// acknowledgments (client → backend) and sequence numbers (backend → client) of every packet, and the controller
/// sees none of them. The first payload itself is not acknowledged by the controller: it is sent on through the
/// pipeline once the splice is in, and the backend's own ACK reaches the client (a lost copy is the client's to
/// retransmit, as with any segment). The handshake offers only a maximum segment size, so neither side uses window
/// scaling, SACK or timestamps, whose values the splice would otherwise have to rewrite. With <c>affinity:
/// tls_session</c>, a TLS connection's reverse entry waits until the server has changed cipher spec: until then the
/// controller forwards the server's handshake itself and binds what names the session (the ServerHello's id, a
/// NewSessionTicket's ticket) to that backend, so a client resuming the session is sent back there. With <c>http_routes</c>, an HTTP connection's requests keep coming to the controller (only the
/// responses take the fast path): each request is routed on its own, and when it belongs elsewhere the backend
/// connection is closed and a new one opened where the client's sequence and acknowledgment numbers stand.
/// </summary>
public sealed partial class Splicer(Classifier classifier, SwitchConfig sw, SpliceActions actions, ILogger logger, TimeProvider? time = null)
{
    private const ushort OurMss4 = 1460, OurMss6 = 1440, OurWindow = 65535;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<ConnectionKey, Flow> _flows = new();
    private readonly Dictionary<(UInt128 Client, ushort ClientPort, UInt128 Backend, ushort BackendPort), Flow> _byBackend = new();
    private readonly ulong _routerMac = Addresses.MacToNumber(sw.RouterMac);
    private volatile OffloadConfig? _config;

    /// <summary>How long a connection may take from SYN to splice before it is given up (the client is reset).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Handshakes held at once; a SYN beyond them gets no answer (a SYN flood must not grow the controller without bound).</summary>
    public int MaxFlows { get; init; } = 65_536;

    private bool _full;

    /// <summary>Connections waiting for their first payload or their backend, and connections spliced since the start.</summary>
    public int Pending
    {
        get
        {
            lock (_flows)
                return _flows.Values.Count(f => f.Stage != Stage.Spliced);
        }
    }

    public long Spliced => Interlocked.Read(ref _spliced);
    private long _spliced;

    public void Update(OffloadConfig config)
    {
        _config = config;
        _multiplexed = config.Vips.Where(v => v.Mode == VipMode.Multiplex).ToDictionary(v => v.Id);
    }

    private volatile Dictionary<int, VipConfig> _multiplexed = new();

    /// <summary>The multiplex VIP with this id, if it is one: its packet-ins are the splicer's.</summary>
    public VipConfig? Multiplexed(int vipId) => _multiplexed.GetValueOrDefault(vipId);

    private enum Stage { Accepted, Connecting, AwaitingServerHello, Spliced }

    private sealed class Flow(ConnectionKey key, VipConfig vip, uint ingressPort, ulong clientMac, ulong vipMac, uint clientIsn, uint ourIsn, ushort clientMss, DateTimeOffset since)
    {
        public ConnectionKey Key { get; } = key;
        public VipConfig Vip { get; } = vip;
        public uint IngressPort { get; } = ingressPort;
        public ulong ClientMac { get; } = clientMac;
        public ulong VipMac { get; } = vipMac;
        public uint ClientIsn { get; } = clientIsn;
        public uint OurIsn { get; } = ourIsn;
        public ushort ClientMss { get; } = clientMss;
        public DateTimeOffset Since { get; } = since;
        public Stage Stage { get; set; }
        public BackendConfig? Backend { get; set; }
        public int BackendId { get; set; }
        public ushort ClientWindow { get; set; }
        public List<byte[]> Held { get; } = [];
        public bool LearnsSession { get; set; }
        public TlsServerFlight ServerFlight { get; } = new();
        public Connection? Pinned { get; set; }

        /// <summary>Each HTTP request routed on its own: the controller forwards the client's packets itself.</summary>
        public bool Routed { get; set; }

        /// <summary>The sequence number the backend connection's SYN carries, and the client acknowledgment that stands for the backend's first byte.</summary>
        public uint BackendIsn { get; set; }
        public uint ClientAckBase { get; set; }
        public DateTimeOffset LastSeen { get; set; }
    }

    /// <summary>A punted packet from a client to a multiplex VIP (its SYN, its handshake's ACK, its first payload).</summary>
    public async Task ClientAsync(ReadOnlyMemory<byte> frame, VipConfig vip, uint ingressPort, CancellationToken cancellationToken)
    {
        if (TcpSegment.Parse(frame.Span) is not { } segment)
            return;
        var key = new ConnectionKey(segment.IpVersion, segment.Source, segment.Destination, 6, segment.SourcePort, segment.DestinationPort);
        Flow? flow;
        lock (_flows)
            _flows.TryGetValue(key, out flow);

        if (segment.Has(TcpHeader.FlagRst))
        {
            Forget(key);
            return;
        }
        if (segment.Has(TcpHeader.FlagSyn) && !segment.Has(TcpHeader.FlagAck))
        {
            if (classifier.Denies(Connection.Of(key, vip.Id, 0)))
            {
                await actions.ToPort(ingressPort, Reset(segment), cancellationToken);
                return;
            }
            if (flow is null && _flows.Count >= MaxFlows)
            {
                if (!_full)
                    LogFull(logger, vip.Name, MaxFlows);
                _full = true;
                return;
            }
            _full = false;
            if (flow is null || flow.ClientIsn != segment.Seq)
            {
                var mss = segment.IpVersion == 4 ? OurMss4 : OurMss6;
                flow = new Flow(key, vip, ingressPort, segment.EthSrc, segment.EthDst, segment.Seq, (uint)RandomNumberGenerator.GetInt32(int.MaxValue) * 2 + 1,
                    Math.Min(segment.Mss ?? 536, mss), _time.GetUtcNow()) { ClientWindow = segment.Window };
                lock (_flows)
                    _flows[key] = flow;
            }
            if (flow.Stage == Stage.Accepted)
                await actions.ToPort(ingressPort, SynAck(flow, segment), cancellationToken);
            return;
        }
        if (flow is null)
        {
            // Not a connection this controller accepted (one from before a restart): the client starts over.
            if (!segment.Has(TcpHeader.FlagSyn))
                await actions.ToPort(ingressPort, Reset(segment), cancellationToken);
            return;
        }
        flow.LastSeen = _time.GetUtcNow();
        if (flow.Routed && flow.Stage == Stage.Spliced)
        {
            await RouteAsync(flow, segment, frame, cancellationToken);
            return;
        }
        switch (flow.Stage)
        {
            case Stage.Spliced:
                // Punted before the entries were in: through the pipeline, which now has them.
                await actions.ThroughPipeline(frame.ToArray(), cancellationToken);
                return;
            case Stage.Connecting:
                if (segment.Payload.Length > 0 || segment.Has(TcpHeader.FlagFin))
                    lock (flow.Held)
                        flow.Held.Add(frame.ToArray());
                return;
        }
        flow.ClientWindow = segment.Window;
        if (segment.Payload.Length == 0 && !segment.Has(TcpHeader.FlagFin))
            return;
        var chosen = classifier.Classify(Connection.Of(key, vip.Id, 0), segment.Payload);
        var backend = chosen is null ? null : _config!.Backends.FirstOrDefault(b => b.Id == chosen.BackendId);
        if (chosen is null || backend is null)
        {
            LogUnplaced(logger, vip.Name, PayloadKinds.Of(segment.Payload).ToString().ToLowerInvariant());
            Forget(key);
            await actions.ToPort(ingressPort, Reset(segment), cancellationToken);
            return;
        }
        flow.LearnsSession = vip.Affinity == Affinity.TlsSession && PayloadKinds.Of(segment.Payload) == PayloadKind.Tls;
        flow.Routed = classifier.RoutesRequests(vip.Id) && PayloadKinds.Of(segment.Payload) == PayloadKind.Http;
        await ConnectAsync(flow, backend, flow.ClientIsn, flow.OurIsn + 1, frame, cancellationToken);
    }

    // Opens the backend connection: its SYN carries backendIsn, and the client acknowledgment clientAckBase will stand
    // for the backend's first byte. The frame that made it is held until the splice is in.
    private async Task ConnectAsync(Flow flow, BackendConfig backend, uint backendIsn, uint clientAckBase, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        (flow.Backend, flow.BackendId, flow.Stage, flow.BackendIsn, flow.ClientAckBase) = (backend, backend.Id, Stage.Connecting, backendIsn, clientAckBase);
        lock (flow.Held)
            flow.Held.Add(frame.ToArray());
        lock (_flows)
            _byBackend[(flow.Key.Client, flow.Key.ClientPort, Addresses.ToNumber(backend.Address), backend.Port)] = flow;
        await actions.ToPort(backend.SwitchPort, BackendSyn(flow, backend), cancellationToken);
    }

    // A routed connection's client packet: a request for another backend moves the connection there; anything else
    // goes to the current backend, rewritten by the controller.
    private async Task RouteAsync(Flow flow, TcpSegment segment, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (segment.Payload.Length > 0 && PayloadKinds.Of(segment.Payload) == PayloadKind.Http
            && classifier.Classify(Connection.Of(flow.Key, flow.Vip.Id, 0), segment.Payload) is { } chosen && chosen.BackendId != flow.BackendId
            && _config?.Backends.FirstOrDefault(b => b.Id == chosen.BackendId) is { } next)
        {
            var previous = flow.Backend!;
            await actions.ToPort(previous.SwitchPort, ToBackend(flow, segment with { Flags = TcpHeader.FlagRst, Payload = [], Options = [] }), cancellationToken);
            await UnpinAsync(flow);
            LogRerouted(logger, flow.Vip.Name, previous.Name, next.Name);
            await ConnectAsync(flow, next, segment.Seq - 1, segment.Ack, frame, cancellationToken);
            return;
        }
        await actions.ToPort(flow.Backend!.SwitchPort, ToBackend(flow, segment), cancellationToken);
        if (segment.Has(TcpHeader.FlagRst))
        {
            await UnpinAsync(flow);
            Forget(flow.Key);
        }
    }

    // A backend segment as the client must see it: from the VIP, its sequence number in the client's numbers.
    private static byte[] ToClient(Flow flow, TcpSegment segment) => (segment with
    {
        EthDst = flow.ClientMac, EthSrc = flow.VipMac, Source = flow.Key.Vip, Destination = flow.Key.Client, SourcePort = flow.Key.VipPort,
        DestinationPort = flow.Key.ClientPort, Seq = segment.Seq + flow.Pinned!.Splice.Reverse.SeqDelta, Ack = segment.Ack + flow.Pinned.Splice.Reverse.AckDelta,
    }).ToFrame();

    // A client segment as the backend must see it: addressed to the backend, its acknowledgment in the backend's numbers.
    private byte[] ToBackend(Flow flow, TcpSegment segment) => (segment with
    {
        EthDst = Addresses.MacToNumber(flow.Backend!.Mac), EthSrc = _routerMac, Destination = Addresses.ToNumber(flow.Backend.Address), DestinationPort = flow.Backend.Port,
        Ack = segment.Has(TcpHeader.FlagAck) ? segment.Ack + flow.Pinned!.Splice.AckDelta : segment.Ack,
    }).ToFrame();

    private async Task UnpinAsync(Flow flow)
    {
        if (flow.Pinned is { } pinned && flow.Backend is { } backend)
        {
            lock (_flows)
                _byBackend.Remove((flow.Key.Client, flow.Key.ClientPort, Addresses.ToNumber(backend.Address), backend.Port));
            try
            {
                await actions.UnpinReverse(pinned, CancellationToken.None);
            }
            catch (Exception ex) when (ex is Offload.Grpc.RpcException or Offload.P4Runtime.Session.P4RuntimeWriteException or IOException)
            {
                LogUnpinFailed(logger, flow.Vip.Name, ex.Message);
            }
        }
        flow.Pinned = null;
    }

    /// <summary>A punted packet from a multiplex VIP's backend to a client (reason RETURN_MISS): its SYN-ACK, before the splice.</summary>
    public async Task<bool> BackendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (TcpSegment.Parse(frame.Span) is not { } segment)
            return false;
        Flow? flow;
        lock (_flows)
            _byBackend.TryGetValue((segment.Destination, segment.DestinationPort, segment.Source, segment.SourcePort), out flow);
        if (flow is null)
            return false;
        if (flow.Stage == Stage.Spliced)
        {
            await actions.ThroughPipeline(frame.ToArray(), cancellationToken);
            return true;
        }
        if (flow.Stage == Stage.AwaitingServerHello)
        {
            // The server's handshake goes on to the client at once, rewritten here; what names the session is bound
            // as it passes, and the splice takes over once nothing more can be read (its cipher spec changed).
            var flight = flow.ServerFlight;
            flight.Add(segment.Payload);
            await actions.ToPort(flow.IngressPort, ToClient(flow, segment), cancellationToken);
            if (flight.SessionId is { } session)
                classifier.BindTlsSession(flow.Vip.Id, session, flow.BackendId);
            if (flight.Ticket is { } ticket)
                classifier.BindTlsTicket(flow.Vip.Id, ticket, flow.BackendId);
            if (flight.Done || segment.Has(TcpHeader.FlagFin) || segment.Has(TcpHeader.FlagRst))
            {
                await actions.PinReverse(flow.Pinned!, cancellationToken);
                flow.Stage = Stage.Spliced;
            }
            return true;
        }
        if (segment.Has(TcpHeader.FlagRst))
        {
            LogRefused(logger, flow.Vip.Name, flow.Backend!.Name);
            Forget(flow.Key);
            await actions.ToPort(flow.IngressPort, ClientReset(flow), cancellationToken);
            return true;
        }
        if (!segment.Has(TcpHeader.FlagSyn) || !segment.Has(TcpHeader.FlagAck) || segment.Ack != flow.BackendIsn + 1)
            return true;
        var splice = new Splice(0, segment.Seq + 1 - flow.ClientAckBase);
        flow.Pinned = Connection.Of(flow.Key, flow.Vip.Id, flow.BackendId, splice);
        if (flow.Routed)
            await actions.PinReverse(flow.Pinned, cancellationToken);
        else
            await actions.Pin(flow.Pinned, !flow.LearnsSession, cancellationToken);
        flow.Stage = flow.LearnsSession ? Stage.AwaitingServerHello : Stage.Spliced;
        Interlocked.Increment(ref _spliced);
        await actions.ToPort(flow.Backend!.SwitchPort, BackendAck(flow, segment), cancellationToken);
        await ReleaseHeldAsync(flow, cancellationToken);
        return true;
    }

    // What was held (the client's first payload; while a session is learned, the backend's first packets) goes on
    // through the pipeline, whose entries now carry it.
    private async Task ReleaseHeldAsync(Flow flow, CancellationToken cancellationToken)
    {
        byte[][] held;
        lock (flow.Held)
        {
            held = [.. flow.Held];
            flow.Held.Clear();
        }
        foreach (var frame in held)
        {
            if (flow.Routed && flow.Stage == Stage.Spliced && TcpSegment.Parse(frame) is { } client)
                await actions.ToPort(flow.Backend!.SwitchPort, ToBackend(flow, client), cancellationToken);
            else
                await actions.ThroughPipeline(frame, cancellationToken);
        }
    }

    private byte[] SynAck(Flow flow, TcpSegment syn) => new TcpSegment(flow.ClientMac, flow.VipMac, syn.IpVersion, syn.Destination, syn.Source,
        syn.DestinationPort, syn.SourcePort, flow.OurIsn, flow.ClientIsn + 1, TcpHeader.FlagSyn | TcpHeader.FlagAck, OurWindow,
        TcpSegment.MssOption(syn.IpVersion == 4 ? OurMss4 : OurMss6), []).ToFrame();

    private byte[] BackendSyn(Flow flow, BackendConfig backend) => new TcpSegment(Addresses.MacToNumber(backend.Mac), _routerMac, flow.Key.IpVersion, flow.Key.Client,
        Addresses.ToNumber(backend.Address), flow.Key.ClientPort, backend.Port, flow.BackendIsn, 0, TcpHeader.FlagSyn, flow.ClientWindow,
        TcpSegment.MssOption(flow.ClientMss), []).ToFrame();

    private byte[] BackendAck(Flow flow, TcpSegment synAck) => new TcpSegment(Addresses.MacToNumber(flow.Backend!.Mac), _routerMac, flow.Key.IpVersion, flow.Key.Client,
        synAck.Source, flow.Key.ClientPort, synAck.SourcePort, flow.BackendIsn + 1, synAck.Seq + 1, TcpHeader.FlagAck, flow.ClientWindow, [], []).ToFrame();

    // RFC 793's reset for a segment that belongs to no connection: from its acknowledgment, or acknowledging it.
    private static byte[] Reset(TcpSegment segment) => new TcpSegment(segment.EthSrc, segment.EthDst, segment.IpVersion, segment.Destination, segment.Source,
        segment.DestinationPort, segment.SourcePort, segment.Has(TcpHeader.FlagAck) ? segment.Ack : 0,
        segment.Seq + (uint)segment.Payload.Length + (segment.Has(TcpHeader.FlagSyn) ? 1u : 0) + (segment.Has(TcpHeader.FlagFin) ? 1u : 0),
        segment.Has(TcpHeader.FlagAck) ? TcpHeader.FlagRst : (byte)(TcpHeader.FlagRst | TcpHeader.FlagAck), 0, [], []).ToFrame();

    private static byte[] ClientReset(Flow flow) => new TcpSegment(flow.ClientMac, flow.VipMac, flow.Key.IpVersion, flow.Key.Vip, flow.Key.Client,
        flow.Key.VipPort, flow.Key.ClientPort, flow.OurIsn + 1, 0, TcpHeader.FlagRst, 0, [], []).ToFrame();


    private void Forget(ConnectionKey key)
    {
        lock (_flows)
        {
            if (!_flows.Remove(key, out var flow) || flow.Backend is not { } backend)
                return;
            _byBackend.Remove((key.Client, key.ClientPort, Addresses.ToNumber(backend.Address), backend.Port));
        }
    }

    /// <summary>How long a routed connection lives without a packet from its client (its reverse entry has no idle timeout of its own).</summary>
    public TimeSpan RoutedIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gives up what has timed out (called every few seconds, off the packet path): handshakes that never finished;
    /// spliced flows kept a while for packets punted before their entries; routed connections whose client has been
    /// silent for <see cref="RoutedIdleTimeout"/>.
    /// </summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        List<Flow> stale;
        lock (_flows)
            stale = _flows.Values.Where(f => f.Routed && f.Stage == Stage.Spliced ? now - f.LastSeen > RoutedIdleTimeout
                : now - f.Since > (f.Stage == Stage.Spliced ? HandshakeTimeout * 3 : HandshakeTimeout)).ToList();
        foreach (var flow in stale)
        {
            if (flow.Routed)
                _ = UnpinAsync(flow);
            Forget(flow.Key);
        }
    }


    [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "multiplex VIP {Vip}: no backend for a {Kind} connection; the client is reset")]
    private static partial void LogUnplaced(ILogger logger, string vip, string kind);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "multiplex VIP {Vip}: {Max} handshakes held already; a SYN goes unanswered")]
    private static partial void LogFull(ILogger logger, string vip, int max);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Debug, Message = "multiplex VIP {Vip}: a request moves its connection from {From} to {To}")]
    private static partial void LogRerouted(ILogger logger, string vip, string from, string to);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning, Message = "multiplex VIP {Vip}: a routed connection's reverse entry could not be removed: {Error}")]
    private static partial void LogUnpinFailed(ILogger logger, string vip, string error);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "multiplex VIP {Vip}: backend {Backend} refused the connection; the client is reset")]
    private static partial void LogRefused(ILogger logger, string vip, string backend);
}
