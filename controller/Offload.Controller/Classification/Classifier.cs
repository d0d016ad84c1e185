using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Plumbing;
using Offload.Controller.Sessions;

namespace Offload.Controller.Classification;

/// <summary>
/// Picks the backend for a new connection with its VIP's algorithm, over the pool's backends that may take new
/// connections (weight above zero). Backends are shared by every VIP, so connection counts are per backend.
/// </summary>
public sealed class Classifier
{
    private readonly LoadBalancingPolicyRegistry _policies;
    private volatile Dictionary<int, (VipConfig Vip, ILoadBalancingPolicy Policy, List<BackendCandidate> Pool, Dictionary<PayloadKind, List<BackendCandidate>> Kinds,
        List<(HttpRouteConfig Route, List<BackendCandidate> Pool)> Routes, object State)> _vips = new();
    private volatile Dictionary<int, BackendCandidate> _backends = new();

    private readonly ISessionTable _sessions;

    public Classifier(OffloadConfig config, LoadBalancingPolicyRegistry policies, TimeProvider? time = null, TimeSpan? affinityTimeout = null,
        ISessionTable? sessions = null)
    {
        _policies = policies;
        _sessions = sessions ?? new InMemorySessionTable(time ?? TimeProvider.System, affinityTimeout ?? DefaultAffinityTimeout);
        Update(config);
    }

    /// <summary>How long an affinity binding lasts since its session was last used.</summary>
    public static readonly TimeSpan DefaultAffinityTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Sessions bound for affinity.</summary>
    public ISessionTable Sessions => _sessions;

    /// <summary>Every backend's live state (weight, active connections), by backend id.</summary>
    public IReadOnlyDictionary<int, BackendCandidate> Backends => _backends;

    /// <summary>Takes a new configuration: a backend that stays keeps its connection count; a VIP that stays keeps its policy state.</summary>
    public void Update(OffloadConfig config)
    {
        var previous = _backends;
        var backends = config.Backends.ToDictionary(b => b.Id, b =>
        {
            var candidate = previous.GetValueOrDefault(b.Id) ?? new BackendCandidate(b.Id, b.Weight);
            candidate.Weight = b.Weight;
            return candidate;
        });
        var byName = config.Backends.ToDictionary(b => b.Name, b => backends[b.Id]);
        var states = _vips;
        _vips = config.Vips.ToDictionary(v => v.Id, v => (v, _policies[v.Algorithm], v.Pool.Select(n => byName[n]).ToList(),
            v.Multiplex.ToDictionary(k => k.Key, k => k.Value.Select(n => byName[n]).ToList()),
            v.HttpRoutes.Select(r => (r, r.Pool.Select(n => byName[n]).ToList())).ToList(),
            states.TryGetValue(v.Id, out var old) && old.Vip.Algorithm == v.Algorithm ? old.State : new object()));
        _backends = backends;
    }

    /// <summary>True when the VIP's policy denies this client: the connection gets a drop route instead of a backend.</summary>
    public bool Denies(Connection flow) =>
        _vips.TryGetValue(flow.VipId, out var vip) && vip.Vip.DenySources.Any(p => p.Contains(Addresses.ToAddress(flow.IpVersion, flow.Client)));

    /// <summary>
    /// Picks the backend of a new connection. <paramref name="firstData"/> is the connection's first payload when the
    /// controller held the connection until it arrived (a multiplex VIP, delayed binding): its kind picks the pool
    /// (one the VIP lacks falls back to its <c>other</c> pool), and a TLS ClientHello there names the session.
    /// </summary>
    public Connection? Classify(Connection flow, ReadOnlySpan<byte> firstData = default)
    {
        if (!_vips.TryGetValue(flow.VipId, out var vip))
            return null;
        var pool = vip.Pool;
        if (vip.Vip.Mode == VipMode.Multiplex && !vip.Kinds.TryGetValue(PayloadKinds.Of(firstData), out pool) && !vip.Kinds.TryGetValue(PayloadKind.Other, out pool))
            return null;
        if (vip.Routes.Count > 0 && PayloadKinds.Of(firstData) == PayloadKind.Http && HttpRequestHead.TryRead(firstData, out var path, out var host)
            && vip.Routes.FirstOrDefault(r => (r.Route.Host is null || string.Equals(r.Route.Host, host, StringComparison.OrdinalIgnoreCase))
                                               && (r.Route.PathPrefix is null || path.StartsWith(r.Route.PathPrefix, StringComparison.Ordinal))) is { Pool: { } routed })
            pool = routed;
        var candidates = pool!.Where(b => b.Weight > 0).ToList();
        var sessions = SessionsOf(vip.Vip, flow, firstData);
        foreach (var key in sessions)
        {
            if (_sessions.Lookup(key) is { } known && candidates.Any(c => c.Id == known))
            {
                foreach (var bound in sessions)
                    _sessions.Bind(bound, known);
                return flow with { BackendId = known };
            }
        }
        var flowKey = new FlowKey(flow.Client, flow.Vip, flow.Protocol, flow.ClientPort, flow.VipPort);
        if (vip.Policy.Pick(vip.State, candidates, flowKey) is not { } backend)
            return null;
        foreach (var bound in sessions)
            _sessions.Bind(bound, backend.Id);
        return flow with { BackendId = backend.Id };
    }

    /// <summary>Binds a TLS session ticket the backend issued (its NewSessionTicket) to that backend.</summary>
    public void BindTlsTicket(int vipId, ReadOnlySpan<byte> ticket, int backendId) => _sessions.Bind(SessionKey.TlsTicket(vipId, ticket), backendId);

    /// <summary>True when the VIP routes each HTTP request on its own (a multiplex VIP with http_routes).</summary>
    public bool RoutesRequests(int vipId) => _vips.TryGetValue(vipId, out var vip) && vip.Routes.Count > 0;

    /// <summary>Binds a TLS session the backend named in its ServerHello to that backend: a client resuming it comes back there.</summary>
    public void BindTlsSession(int vipId, ReadOnlySpan<byte> sessionId, int backendId) => _sessions.Bind(SessionKey.TlsSession(vipId, sessionId), backendId);

    // The keys a connection's session goes by: the client; or a TLS ticket (tried first: it names the session when
    // both are offered) and a TLS session id.
    private static List<SessionKey> SessionsOf(VipConfig vip, Connection flow, ReadOnlySpan<byte> firstData)
    {
        var keys = new List<SessionKey>(2);
        if (vip.Affinity == Affinity.SourceIp)
            keys.Add(SessionKey.SourceIp(vip.Id, flow.Client));
        if (vip.Affinity == Affinity.TlsSession && TlsHello.TryReadClientTicket(firstData, out var ticket))
            keys.Add(SessionKey.TlsTicket(vip.Id, ticket));
        if (vip.Affinity == Affinity.TlsSession && TlsHello.TryReadClientSessionId(firstData, out var id))
            keys.Add(SessionKey.TlsSession(vip.Id, id));
        return keys;
    }
}
