using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.Health.Ports;
using Offload.Controller.Pipeline;
using Offload.Controller.Plumbing;
using Offload.Controller.Plumbing.Pools;
using Offload.Controller.Sessions;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Schema;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Controller.Switches;

/// <summary>What an agent needs beside the configuration.</summary>
public sealed record SwitchAgentOptions
{
    public TimeSpan ConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A connection's idle timeout once its client has sent FIN or RST (the connection-end digest).</summary>
    public TimeSpan ClosingIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public DigestEntry.Types.Config Digests { get; init; } = new() { MaxTimeoutNs = 1_000_000, MaxListSize = 256, AckTimeoutNs = 2_000_000_000 };

    /// <summary>Connection writes queued per switch before the digest loop waits (back-pressure), and the most updates one Write carries.</summary>
    public int WriteQueueCapacity { get; init; } = 64;
    public int WriteBatchLimit { get; init; } = 4096;

    /// <summary>Where connection tables are replicated (the controller's etcd), and how long records outlive their writer.</summary>
    public Cluster.EtcdClient? Etcd { get; init; }
    public TimeSpan SessionTtl { get; init; } = ControllerConfig.DefaultSessionTtl;

    /// <summary>How long a pool change waits for digests the switch may still hold or have on the wire (its batching delay and more).</summary>
    public TimeSpan DigestBarrierDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// One switch, driven: arbitrate with the configured election id, push offload.p4 if the switch runs something else,
/// reconcile the configured tables, then plumb connections — from digests (data-plane select), from packet-ins
/// (controller classify, the held packet sent back through the pipeline) — and remove them when idle. Losing and
/// regaining primary (or a switch restart) runs the same preparation again.
/// </summary>
public sealed partial class SwitchAgent : IAsyncDisposable
{
    private readonly SwitchConfig _switch;
    private readonly P4InfoIndex _p4Info;
    private readonly ByteString? _deviceConfig;
    private readonly SwitchAgentOptions _options;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly StreamSession _session;
    private readonly P4RuntimeClient _client;
    private readonly Classifier _classifier;
    private readonly ConnectionPlumber _plumber;
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly PoolVersions _pools;
    private readonly WritePipeline _writes;
    private readonly PortMonitor _ports;
    private volatile NeighborResponder _neighbors;
    private readonly uint _connectionEndDigest;
    private long _digestListsDone;
    private volatile OffloadConfig _config;

    public SwitchAgent(OffloadConfig config, SwitchConfig sw, P4InfoIndex p4Info, ByteString? deviceConfig, Classifier classifier,
        SwitchAgentOptions options, ILoggerFactory loggers)
    {
        _config = config;
        _switch = sw;
        _p4Info = p4Info;
        _deviceConfig = deviceConfig;
        _options = options;
        _classifier = classifier;
        _logger = loggers.CreateLogger($"switch.{sw.Name}");
        _channel = GrpcChannel.ForAddress(sw.Address);
        var election = new ElectionId(0, sw.ElectionId);
        _session = new StreamSession(_channel, sw.DeviceId, election, sw.Role, logger: _logger);
        _client = new P4RuntimeClient(_channel, sw.DeviceId, election, sw.Role);
        _pools = new PoolVersions(p4Info);
        _writes = new WritePipeline((updates, ct) => _client.WriteAsync(updates, cancellationToken: ct), options.WriteQueueCapacity, options.WriteBatchLimit)
        {
            Latency = Stats.WriteLatency.Observe,
        };
        _ports = new PortMonitor(sw, TimeProvider.System);
        _neighbors = new NeighborResponder(config, sw);
        _connectionEndDigest = p4Info.Digests[OffloadP4.ConnectionEndDigest].Preamble.Id;
        _ports.Update(config);
        _replicated = options.Etcd is { } etcd
            ? new ReplicatedConnectionTable(etcd, sw.Group?.Name ?? sw.Name, options.SessionTtl, loggers.CreateLogger($"sessions.{sw.Name}")) { Replicating = sw.Group is null }
            : null;
        _plumber = new ConnectionPlumber(_client, _writes, p4Info, config, options.ConnectionIdleTimeout, _replicated, options.ClosingIdleTimeout)
        {
            Opened = id => classifier.Backends.GetValueOrDefault(id)?.ConnectionOpened(),
            Closed = id => classifier.Backends.GetValueOrDefault(id)?.ConnectionClosed(),
        };
        // Only a group's switch has standbys to mirror onto; a switch alone pays nothing for it on the write path.
        if (sw.Group is not null)
        {
            _plumber.Pinned = connections => Group?.Mirror(this, standby => standby._plumber.PinAsync(connections, CancellationToken.None));
            _plumber.Removed = keys => Group?.Mirror(this, standby => standby._plumber.RemoveAsync(keys, CancellationToken.None));
            _plumber.Ending = key => Group?.Mirror(this, standby => standby._plumber.CloseAsync([key], CancellationToken.None));
        }
        Role = sw.Group is null ? SwitchRole.Alone : SwitchRole.Unassigned;
        _splicer = new Multiplexing.Splicer(classifier, sw, new Multiplexing.SpliceActions(
            (port, frame, ct) => SendToPortsAsync([(port, frame)], ct),
            (frame, ct) => _session.SendPacketOutAsync(PacketIo.PacketOut(_p4Info, frame,
                new Dictionary<string, P4Value> { ["egress_port"] = 0, ["mode"] = PacketOutPipeline }), ct),
            async (connection, withReverse, ct) =>
            {
                var pinned = withReverse ? await _plumber.PinAsync([connection], ct) : await _plumber.PinForwardAsync(connection, ct);
                Stats.Pinned(pinned);
                return pinned;
            },
            (connection, ct) => _plumber.PinReverseAsync(connection, ct),
            (connection, ct) => _plumber.UnpinReverseAsync(connection, ct)), loggers.CreateLogger($"multiplex.{sw.Name}"));
        _splicer.Update(config);
        if (options.Etcd is { } elections && config.Controller.Election == ElectionMode.Etcd)
            _election = new Cluster.SwitchElection(elections, sw.Name, config.Controller.Name, config.Controller.ElectionTtl ?? ControllerConfig.DefaultElectionTtl, _logger);
    }

    private readonly Cluster.SwitchElection? _election;
    private readonly Multiplexing.Splicer _splicer;

    /// <summary>Multiplexed connections: waiting for their first payload or backend, and spliced so far.</summary>
    public (int Pending, long Spliced) Multiplexed => (_splicer.Pending, _splicer.Spliced);

    /// <summary>The election id the agent arbitrates with now (the configured one, or the last won through etcd).</summary>
    public ElectionId ElectionId => _session.ElectionId;

    // A win through etcd raises the id on the live stream (and on every reconnect after) and on the Writes.
    private async Task ElectedAsync(ElectionId id)
    {
        _client.ElectionId = id;
        try
        {
            await _session.ChangeElectionIdAsync(id);
        }
        catch (RpcException)
        {
            // No stream now: the next one arbitrates with the new id.
        }
    }

    public string Name => _switch.Name;

    private readonly ReplicatedConnectionTable? _replicated;
    private IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)> _stored = [];

    /// <summary>The connection table's replication to etcd; null when the controller has no etcd.</summary>
    public ReplicatedConnectionTable? Replication => _replicated;

    /// <summary>The active/standby group the agent's switch belongs to; null when it stands alone.</summary>
    public StandbyGroup? Group { get; set; }

    /// <summary>What the switch does for its group (Alone without one); Unassigned until the group has decided.</summary>
    public SwitchRole Role { get; internal set; }

    /// <summary>The switch held the group's virtual MAC when it was last prepared: it was the active one.</summary>
    public bool HoldsVirtualMac { get; private set; }

    /// <summary>Primary, with the pipeline checked and the connections read back: ready for a role.</summary>
    public bool IsPrepared => _prepared && IsPrimary;

    private volatile bool _prepared;

    /// <summary>Whether this switch's uplinks answer: null while there are none or no verdict yet.</summary>
    public bool? UplinksUp { get; private set; }

    /// <summary>The connections as the switch's plumber tracks them, for a standby to mirror.</summary>
    internal IReadOnlyList<Connection> TrackedConnections() =>
        _plumber.Table.Snapshot().Select(c => Connection.Of(c.Key, c.Connection)).ToList();

    /// <summary>Writes connections a standby lacks (the active's, when the standby joins).</summary>
    internal Task<int> MirrorAsync(IReadOnlyList<Connection> connections, CancellationToken cancellationToken) => _plumber.PinAsync(connections, cancellationToken);

    /// <summary>
    /// Takes a role from the group and converges the switch to it: a standby stops aging and counting its connections
    /// and answers for nothing; the active takes the virtual MAC, announces it out of every port, and ages its
    /// connections again.
    /// </summary>
    public async Task ChangeRoleAsync(SwitchRole role, CancellationToken cancellationToken)
    {
        Role = role;
        Replicate();
        _neighbors = new NeighborResponder(_config, _switch, role);
        if (role == SwitchRole.Standby)
            await _plumber.SetMirroringAsync(true, cancellationToken);
        await ReconcileAsync(cancellationToken);
        if (role == SwitchRole.Active)
        {
            await AnnounceAsync(cancellationToken);
            await _plumber.SetMirroringAsync(false, cancellationToken);
        }
        LogRole(_logger, _switch.Name, role.ToString().ToLowerInvariant(), LastReconcile?.ToString() ?? "");
    }

    // keepalived repeats its gratuitous ARPs too: a frame lost on a busy segment must not leave a neighbour behind.
    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        var frames = Announcements.For(_config, _switch, _neighbors);
        await SendToPortsAsync(frames, cancellationToken);
        _ = Task.Run(async () =>
        {
            foreach (var delay in new[] { 200, 1000 })
            {
                await Task.Delay(delay, cancellationToken);
                if (Role != SwitchRole.Active || !IsReady)
                    return;
                await SendToPortsAsync(frames, cancellationToken);
            }
        }, cancellationToken).ContinueWith(t => LogAnnounceFailed(_logger, _switch.Name, t.Exception!.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted);
    }

    private async Task SendToPortsAsync(IReadOnlyList<(uint Port, byte[] Frame)> frames, CancellationToken cancellationToken)
    {
        foreach (var (port, frame) in frames)
            await _session.SendPacketOutAsync(PacketIo.PacketOut(_p4Info, frame,
                new Dictionary<string, P4Value> { ["egress_port"] = port, ["mode"] = PacketOutToPort }), cancellationToken);
    }

    /// <summary>Told each probed backend's port verdict: null when it answers ARP, else why it is out of selection.</summary>
    public Action<string, string?>? LinkVerdict { get; set; }
    public bool IsPrimary => _session.IsPrimary;

    /// <summary>The P4Runtime stream is open (primary or backup); false while the switch is unreachable.</summary>
    public bool IsConnected => _session.State != ArbitrationState.Disconnected;

    /// <summary>What operators see: primary (programmed), primary, preparing, backup, or disconnected.</summary>
    public string State => IsReady ? "primary" : IsPrimary ? "primary, preparing" : IsConnected ? "backup" : "disconnected";
    public ReconcileResult? LastReconcile { get; private set; }

    /// <summary>Primary, pipeline checked, tables reconciled and digests on: connections get plumbed.</summary>
    public bool IsReady => _ready && IsPrimary;

    private volatile bool _ready;
    public int Connections => _plumber.Count;

    /// <summary>The connections this switch carries, as the controller tracks them.</summary>
    public IConnectionTable ConnectionTable => _plumber.Table;

    /// <summary>Packets, bytes and idle time of these connections, from the switch (entries it no longer holds are left out).</summary>
    public Task<IReadOnlyDictionary<ConnectionKey, (long Packets, long Bytes, TimeSpan Idle)>> ReadLiveAsync(IEnumerable<ConnectionKey> keys,
        CancellationToken cancellationToken = default) => _plumber.ReadLiveAsync(keys, cancellationToken);

    /// <summary>Packets and bytes each application was sent (the replicas table's direct counter), by application id.</summary>
    public async Task<IReadOnlyDictionary<int, (long Packets, long Bytes)>> ReadApplicationCountersAsync(CancellationToken cancellationToken = default)
    {
        var replicas = _p4Info.Tables[OffloadP4.Replicas].Preamble.Id;
        var counters = new Dictionary<int, (long, long)>();
        await foreach (var entity in _client.ReadAsync([new Entity { DirectCounterEntry = new DirectCounterEntry { TableEntry = new TableEntry { TableId = replicas } } }], cancellationToken))
        {
            var entry = entity.DirectCounterEntry;
            if (entry.TableEntry?.Match.Count == 1)
                counters[(int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(entry.TableEntry.Match[0].Exact.Value)] = (entry.Data?.PacketCount ?? 0, entry.Data?.ByteCount ?? 0);
        }
        return counters;
    }

    /// <summary>The switch's own counters: per VIP, drops by reason (ingress and egress) and punts by reason, read in one Read.</summary>
    public async Task<SwitchCounters> ReadSwitchCountersAsync(CancellationToken cancellationToken = default)
    {
        var names = new[] { OffloadP4.VipCounter, OffloadP4.DropCounter, OffloadP4.EgressDropCounter, OffloadP4.PuntCounter };
        var ids = names.ToDictionary(n => _p4Info.Counters[n].Preamble.Id, n => n);
        var cells = names.ToDictionary(n => n, _ => new Dictionary<long, (long Packets, long Bytes)>());
        await foreach (var entity in _client.ReadAsync(ids.Keys.Select(id => new Entity { CounterEntry = new CounterEntry { CounterId = id } }), cancellationToken))
        {
            var entry = entity.CounterEntry;
            if (entry is not null && ids.TryGetValue(entry.CounterId, out var name) && entry.Index is not null)
                cells[name][entry.Index.Index_] = (entry.Data?.PacketCount ?? 0, entry.Data?.ByteCount ?? 0);
        }
        return new SwitchCounters(cells[OffloadP4.VipCounter], cells[OffloadP4.DropCounter], cells[OffloadP4.EgressDropCounter], cells[OffloadP4.PuntCounter]);
    }

    /// <summary>Removes the routes of a backend's connections (a held-down backend whose check says so); 0 when not primary.</summary>
    public async Task<int> RemoveBackendConnectionsAsync(int backendId, CancellationToken cancellationToken = default)
    {
        if (!IsReady)
            return 0;
        var removed = await _plumber.RemoveBackendConnectionsAsync(backendId, cancellationToken);
        Stats.Forgotten(removed);
        return removed;
    }

    /// <summary>Connection updates queued for this switch and not yet written.</summary>
    public long WriteBacklog => _writes.Backlog;

    /// <summary>Digest lists the switch sent that are not yet pinned and acknowledged.</summary>
    public long DigestBacklog => _session.DigestListsReceived - Interlocked.Read(ref _digestListsDone);

    public AgentStats Stats { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _session.Start();
        _replicated?.Start();
        _election?.Start(ElectedAsync);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _session.WaitForPrimaryAsync(cancellationToken);
                await ServeAsPrimaryAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogNotPrimary(_logger, _switch.Name);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (ex is P4RuntimeWriteException or RpcException)
                    Stats.WriteError();
                LogFailed(_logger, _switch.Name, ex.Message, ex is RpcException or P4RuntimeWriteException or IOException ? null : ex);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    // Connections are plumbed from the moment the pipeline is known, so a pool change cut short can wait for its digests.
    private async Task ServeAsPrimaryAsync(CancellationToken cancellationToken)
    {
        using var demoted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnArbitration(ArbitrationState state)
        {
            if (state.IsPrimary)
                return;
            try
            {
                demoted.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session raised the event while this serve ended: it is over already.
            }
        }
        _session.ArbitrationChanged += OnArbitration;
        Task loops = Task.CompletedTask;
        try
        {
            await PreparePipelineAsync(demoted.Token);
            _prepared = true;
            loops = Task.WhenAll(DigestsAsync(demoted.Token), IdleTimeoutsAsync(demoted.Token), PacketInsAsync(demoted.Token), PortProbesAsync(demoted.Token));
            var reconciled = _config;
            if (Group is { } group)
            {
                Role = await group.JoinAsync(this, demoted.Token);
                Replicate();
                _neighbors = new NeighborResponder(_config, _switch, Role);
                await _plumber.SetMirroringAsync(Role == SwitchRole.Standby, demoted.Token);
            }
            await ReconcileAsync(demoted.Token);
            await RebuildAsync(demoted.Token);
            foreach (var digest in new[] { OffloadP4.ConnectionDigest, OffloadP4.ConnectionEndDigest })
                await new Reconciler(_client, _p4Info).ReconcileDigestAsync(new DigestEntry { DigestId = _p4Info.Digests[digest].Preamble.Id, Config = _options.Digests }, demoted.Token);
            LogReconciled(_logger, _switch.Name, LastReconcile!.ToString());
            _ready = true;
            if (Role == SwitchRole.Active)
                await AnnounceAsync(demoted.Token);
            if (!ReferenceEquals(reconciled, _config))
                await ReconcileAsync(demoted.Token);
            await loops;
        }
        finally
        {
            _ready = false;
            _prepared = false;
            if (Group is { } group)
            {
                Role = SwitchRole.Unassigned;
                Replicate();
                _plumber.ReleaseLoad();
                group.Left(this);
            }
            _session.ArbitrationChanged -= OnArbitration;
            demoted.Cancel();
            try
            {
                await loops;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task PreparePipelineAsync(CancellationToken cancellationToken)
    {
        var current = await _client.GetPipelineAsync(GetForwardingPipelineConfigRequest.Types.ResponseType.P4InfoAndCookie, cancellationToken);
        if (current?.P4Info is null || !current.P4Info.Equals(_p4Info.P4Info))
        {
            await _client.SetPipelineAsync(_p4Info.P4Info, _deviceConfig, cancellationToken: cancellationToken);
            LogPipelinePushed(_logger, _switch.Name);
        }
        if (_switch.Group is { } group)
        {
            var routerMacs = _p4Info.Tables[OffloadP4.RouterMacs].Preamble.Id;
            var virtualMac = Addresses.MacToNumber(group.VirtualMac);
            var holds = false;
            await foreach (var entity in _client.ReadAsync([OffloadP4.WholeTable(_p4Info, OffloadP4.RouterMacs)], cancellationToken))
                holds |= entity.TableEntry.TableId == routerMacs && entity.TableEntry.Match.Count == 1
                         && Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(entity.TableEntry.Match[0].Exact.Value) == virtualMac;
            HoldsVirtualMac = holds;
        }
        _stored = await LoadStoredAsync(cancellationToken);
        await ReloadSessionsAsync(cancellationToken);
        var recovered = await _plumber.RecoverAsync(cancellationToken);
        if (recovered > 0)
            LogRecovered(_logger, _switch.Name, recovered);
        var pools = new List<TableEntry>();
        await foreach (var entity in _client.ReadAsync(new[] { OffloadP4.VipPool, OffloadP4.BackendSelect }.Select(t => OffloadP4.WholeTable(_p4Info, t)), cancellationToken))
            pools.Add(entity.TableEntry);
        _pools.Learn(pools);
    }

    private IReadOnlySet<int> _retained = new HashSet<int>();

    // Only the switch that carries the traffic writes the records of its scope.
    private void Replicate()
    {
        if (_replicated is not null)
            _replicated.Replicating = Role is SwitchRole.Alone or SwitchRole.Active;
    }

    // What etcd holds for this switch's scope, read before the switch's own table is: a switch that lost its state
    // (a replacement, a restart) is rebuilt from it. Without etcd, or while it cannot be reached, there is nothing to rebuild from.
    private async Task<IReadOnlyList<(ConnectionKey Key, TrackedConnection Connection)>> LoadStoredAsync(CancellationToken cancellationToken)
    {
        if (_replicated is null)
            return [];
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(2));
            return await _replicated.LoadAsync(bounded.Token);
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogStoredUnreadable(_logger, _switch.Name, ex.Message);
            return [];
        }
    }

    // A controller that becomes primary takes the affinity bindings its predecessor wrote since this one started.
    private async Task ReloadSessionsAsync(CancellationToken cancellationToken)
    {
        if (_classifier.Sessions is not ReplicatedSessionTable sessions)
            return;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(2));
            await sessions.ReloadAsync(bounded.Token);
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogStoredUnreadable(_logger, _switch.Name, ex.Message);
        }
    }

    private async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var stored = _stored;
        _stored = [];
        if (stored.Count == 0 || Role is not (SwitchRole.Alone or SwitchRole.Active))
            return;
        var missing = stored.Where(s => !s.Connection.Closing && !_plumber.Table.TryGet(s.Key, out _))
            .Select(s => Connection.Of(s.Key, s.Connection)).ToList();
        if (missing.Count > 0)
            LogRebuilt(_logger, _switch.Name, await _plumber.PinAsync(missing, cancellationToken), stored.Count);
    }

    /// <summary>Takes a new configuration (same switch) and, when primary, converges the switch to it at once.</summary>
    public async Task<ReconcileResult?> ApplyAsync(OffloadConfig config, CancellationToken cancellationToken = default)
    {
        _config = config;
        _plumber.Update(config);
        _splicer.Update(config);
        _ports.Update(config);
        _neighbors = new NeighborResponder(config, _switch, Role);
        if (!IsReady)
            return null;
        await ReconcileAsync(cancellationToken);
        LogReconciled(_logger, _switch.Name, LastReconcile!.ToString());
        return LastReconcile;
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _reconciling.WaitAsync(cancellationToken);
        try
        {
            LastReconcile = await new PoolChanger(_pools, ReconcileTablesAsync, DigestBarrierAsync, _logger).ApplyAsync(_config, cancellationToken);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    // Backends dropped from the configuration keep their entries while connections or a pool version still use them.
    private async Task<ReconcileResult> ReconcileTablesAsync(CancellationToken cancellationToken)
    {
        var config = _config;
        var configured = config.Backends.Select(b => b.Id).ToHashSet();
        _retained = _plumber.LiveBackends.Concat(_pools.States.Values.SelectMany(s => s.Versions.Values).SelectMany(m => m.Backends.Select(b => b.BackendId)))
            .Where(id => !configured.Contains(id)).ToHashSet();
        var reconciler = new Reconciler(_client, _p4Info);
        // Sessions first: a distribution entry must not name a session the switch lacks.
        await reconciler.ReconcileCloneSessionsAsync(DesiredState.CloneSessions(config), cancellationToken);
        var role = Role == SwitchRole.Unassigned ? SwitchRole.Standby : Role;
        return await reconciler.ReconcileAsync(DesiredState.Build(config, _switch, _p4Info, _pools, role), _retained, cancellationToken);
    }

    /// <summary>Returns once every digest list the switch sent before the call, batching delay included, has been pinned.</summary>
    private async Task DigestBarrierAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(_options.DigestBarrierDelay, cancellationToken);
        var received = _session.DigestListsReceived;
        while (Interlocked.Read(ref _digestListsDone) < received)
            await Task.Delay(1, cancellationToken);
    }

    // Reading, decoding and encoding run ahead of the switch: each list's entries queue on the write pipeline, and
    // lists are acknowledged in order once written. A full pipeline stops the reading (back-pressure).
    private async Task DigestsAsync(CancellationToken cancellationToken)
    {
        var written = Channel.CreateBounded<(Task<int> Done, DigestList List)>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
        var acks = AcknowledgeAsync(written.Reader, cancellationToken);
        try
        {
            await foreach (var list in _session.Digests.ReadAllAsync(cancellationToken))
            {
                Stats.DigestList();
                var done = list.DigestId == _connectionEndDigest
                    ? _plumber.CloseAsync(Decode(list, data => ConnectionEnd.FromDigest(_p4Info, data)).Select(e => e.Key), cancellationToken)
                    : await _plumber.StartPinAsync(Decode(list, data => Connection.FromDigest(_p4Info, data)), cancellationToken);
                await written.Writer.WriteAsync((done, list), cancellationToken);
            }
        }
        finally
        {
            written.Writer.TryComplete();
            await acks;
        }
    }

    private List<T> Decode<T>(DigestList list, Func<P4Data, T> decode)
    {
        var decoded = new List<T>(list.Data.Count);
        foreach (var data in list.Data)
        {
            try
            {
                decoded.Add(decode(data));
            }
            catch (FormatException ex)
            {
                LogBadDigest(_logger, _switch.Name, ex.Message);
            }
        }
        return decoded;
    }

    private async Task AcknowledgeAsync(ChannelReader<(Task<int> Done, DigestList List)> written, CancellationToken cancellationToken)
    {
        await foreach (var (done, list) in written.ReadAllAsync(cancellationToken))
        {
            if (list.DigestId == _connectionEndDigest)
                Stats.Ended(await done);
            else
                Stats.Pinned(await done);
            await _session.AckDigestAsync(list.DigestId, list.ListId, cancellationToken);
            Interlocked.Increment(ref _digestListsDone);
        }
    }

    private async Task IdleTimeoutsAsync(CancellationToken cancellationToken)
    {
        var forward = new[] { OffloadP4.ConnV4, OffloadP4.ConnV6 }.Select(t => _p4Info.Tables[t].Preamble.Id).ToHashSet();
        await foreach (var notification in _session.IdleTimeouts.ReadAllAsync(cancellationToken))
        {
            Stats.Forgotten(await _plumber.ForgetAsync(notification.TableEntry.Where(e => forward.Contains(e.TableId)), cancellationToken));
            if (_retained.Count > 0 && !_retained.IsSubsetOf(_plumber.LiveBackends))
            {
                await ReconcileAsync(cancellationToken);
                LogDrained(_logger, _switch.Name, LastReconcile!.ToString());
            }
        }
    }

    private async Task PacketInsAsync(CancellationToken cancellationToken)
    {
        await foreach (var packetIn in _session.PacketIns.ReadAllAsync(cancellationToken))
        {
            Stats.PacketIn();
            var metadata = PacketIo.Metadata(_p4Info, packetIn);
            var reason = (int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(metadata["reason"]);
            var vipId = (int)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(metadata["vip_id"]);
            var ingressPort = (uint)Offload.P4Runtime.Bytestrings.P4Bytes.ToUInt64(metadata["ingress_port"]);
            if (reason == PuntArpReply)
            {
                _ports.Answered(ingressPort, packetIn.Payload.Span);
                continue;
            }
            if (reason == PuntAcl)
            {
                if (_neighbors.Answer(packetIn.Payload.Span) is { } advertisement)
                    await _session.SendPacketOutAsync(PacketIo.PacketOut(_p4Info, advertisement,
                        new Dictionary<string, P4Value> { ["egress_port"] = ingressPort, ["mode"] = PacketOutToPort }), cancellationToken);
                continue;
            }
            if (reason == PuntReturnMiss)
            {
                await _splicer.BackendAsync(packetIn.Payload.Memory, cancellationToken);
                continue;
            }
            if (reason is not (PuntNewFlow or PuntNonSynMiss))
                continue;
            if (_splicer.Multiplexed(vipId) is { } multiplexed)
            {
                await _splicer.ClientAsync(packetIn.Payload.Memory, multiplexed, ingressPort, cancellationToken);
                continue;
            }
            var flow = FlowParser.Parse(packetIn.Payload.Span, vipId);
            if (flow is not null && _classifier.Denies(flow))
            {
                await _plumber.DenyAsync([flow], cancellationToken);
                LogDenied(_logger, _switch.Name, vipId);
                continue;
            }
            if (flow is null || _classifier.Classify(flow) is not { } connection)
            {
                LogUnclassified(_logger, _switch.Name, vipId, reason);
                continue;
            }
            Stats.Pinned(await _plumber.PinAsync([connection], cancellationToken));
            await _session.SendPacketOutAsync(PacketIo.PacketOut(_p4Info, packetIn.Payload.Span,
                new Dictionary<string, P4Value> { ["egress_port"] = 0, ["mode"] = PacketOutPipeline }), cancellationToken);
        }
    }

    private const int PuntNewFlow = 1, PuntNonSynMiss = 2, PuntAcl = 3, PuntReturnMiss = 4, PuntArpReply = 5, PacketOutToPort = 0, PacketOutPipeline = 1;

    // ARP through every port with directly attached backends; the verdicts go to the health monitor.
    private async Task PortProbesAsync(CancellationToken cancellationToken)
    {
        var verdicts = new Dictionary<string, string?>(StringComparer.Ordinal);
        // Replies are punted only once arp_replies is written.
        while (!_ready)
            await Task.Delay(_config.Controller.PortProbeInterval, cancellationToken);
        _ports.Restart();
        UplinksUp = null;
        var uplinks = _switch.Uplinks.Select(PortTarget.UplinkName).ToHashSet(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var controller = _config.Controller;
            await SendToPortsAsync(_ports.Probes().ToList(), cancellationToken);
            var judged = _ports.Judge(controller.PortProbeInterval * controller.PortProbeMisses);
            var uplinkVerdicts = judged.Where(v => uplinks.Contains(v.Key)).ToList();
            UplinksUp = uplinkVerdicts.Any(v => v.Value is not null) ? false : uplinks.Count > 0 && uplinkVerdicts.Count == uplinks.Count ? true : null;
            foreach (var (target, verdict) in judged)
            {
                if (verdicts.TryGetValue(target, out var previous) && previous == verdict)
                    continue;
                verdicts[target] = verdict;
                if (uplinks.Contains(target))
                    LogUplink(_logger, _switch.Name, target, verdict ?? "answers");
                // A standby's view of the backends is not the one traffic takes.
                else if (Role is SwitchRole.Alone or SwitchRole.Active)
                    LinkVerdict?.Invoke(target, verdict);
            }
            _splicer.Sweep();
            await Task.Delay(controller.PortProbeInterval, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_replicated is not null)
            await _replicated.DisposeAsync();
        if (_election is not null)
            await _election.DisposeAsync();
        await _session.DisposeAsync();
        await _writes.DisposeAsync();
        _channel.Dispose();
    }

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "{Switch}: now {Role}; reconciled: {Result}")]
    private static partial void LogRole(ILogger logger, string @switch, string role, string result);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "{Switch}: a repeated announcement failed: {Error}")]
    private static partial void LogAnnounceFailed(ILogger logger, string @switch, string error);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "{Switch}: {Uplink}: {Verdict}")]
    private static partial void LogUplink(ILogger logger, string @switch, string uplink, string verdict);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information, Message = "{Switch}: {Rebuilt} connection(s) rebuilt from the replicated table ({Stored} stored)")]
    private static partial void LogRebuilt(ILogger logger, string @switch, int rebuilt, int stored);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "{Switch}: etcd cannot be read ({Error}); going on without what it holds")]
    private static partial void LogStoredUnreadable(ILogger logger, string @switch, string error);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "{Switch}: pushed offload.p4")]
    private static partial void LogPipelinePushed(ILogger logger, string @switch);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{Switch}: reconciled: {Result}")]
    private static partial void LogReconciled(ILogger logger, string @switch, string result);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{Switch}: no longer primary; waiting to be primary again")]
    private static partial void LogNotPrimary(ILogger logger, string @switch);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{Switch}: {Error}; starting over")]
    private static partial void LogFailed(ILogger logger, string @switch, string error, Exception? exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "{Switch}: a digest could not be read: {Error}")]
    private static partial void LogBadDigest(ILogger logger, string @switch, string error);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "{Switch}: {Count} connections recovered from the switch")]
    private static partial void LogRecovered(ILogger logger, string @switch, int count);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "{Switch}: a removed backend drained; reconciled: {Result}")]
    private static partial void LogDrained(ILogger logger, string @switch, string result);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "{Switch}: a connection to VIP {VipId} denied by policy; drop route written")]
    private static partial void LogDenied(ILogger logger, string @switch, int vipId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "{Switch}: packet-in for VIP {VipId} (reason {Reason}) not classified")]
    private static partial void LogUnclassified(ILogger logger, string @switch, int vipId, int reason);
}

/// <summary>Counter cells by index: packets and bytes.</summary>
public sealed record SwitchCounters(
    IReadOnlyDictionary<long, (long Packets, long Bytes)> Vips,
    IReadOnlyDictionary<long, (long Packets, long Bytes)> Drops,
    IReadOnlyDictionary<long, (long Packets, long Bytes)> EgressDrops,
    IReadOnlyDictionary<long, (long Packets, long Bytes)> Punts);
