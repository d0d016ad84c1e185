using System.Threading.Channels;
using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Session;
using P4.V1;

namespace Offload.Simulator.P4Runtime;

/// <summary>
/// One controller stream of a (device, role): its election id, and one queue with one writer for everything
/// sent to it (arbitration notices, packet-ins, digests, idle-timeout notifications), which gRPC requires.
/// </summary>
internal sealed class ControllerStream
{
    private const int QueueLength = 8192;
    private readonly Channel<StreamMessageResponse> _outbound =
        Channel.CreateBounded<StreamMessageResponse>(new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public ControllerStream(string peer) => Peer = peer;

    public string Peer { get; }
    public ulong? DeviceId { get; set; }
    public string? Role { get; set; }
    public ElectionId? ElectionId { get; set; }

    /// <summary>Queues a message; false when the queue is full or the stream has ended (the message is dropped, as BMv2 drops packet-ins).</summary>
    public bool Enqueue(StreamMessageResponse message) => _outbound.Writer.TryWrite(message);

    public void Complete() => _outbound.Writer.TryComplete();

    public async Task PumpAsync(IAsyncStreamWriter<StreamMessageResponse> writer)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync())
            await writer.WriteAsync(message);
    }
}

/// <summary>How the primary of a role is chosen.</summary>
public enum ArbitrationMode
{
    /// <summary>BMv2's PI server: the connected stream with the highest election id (unset counts as 0), so a
    /// remaining backup becomes primary when the primary leaves. offload-sim's default, as a drop-in for simple_switch_grpc.</summary>
    Bmv2,

    /// <summary>The P4Runtime spec: the stream whose election id equals the highest ever seen for the role; when it
    /// leaves, nobody is primary until a client advertises a higher id, so a deposed controller stays fenced.</summary>
    Spec,
}

/// <summary>
/// Client arbitration per role, in the spec's or BMv2's way (<see cref="ArbitrationMode"/>; docs/p4runtime-wire.md).
/// </summary>
internal sealed class Arbitration(ArbitrationMode mode = ArbitrationMode.Bmv2)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ElectionId> _highest = new(StringComparer.Ordinal);
    private readonly List<ControllerStream> _streams = new();

    public const int MaxStreamsPerDevice = 16;

    /// <summary>Applies an arbitration update; returns the messages to send, or a status that ends the stream.</summary>
    public (RpcStatus? Failure, List<(ControllerStream To, StreamMessageResponse Message)> Notify) Update(
        ControllerStream stream, MasterArbitrationUpdate update, ulong deviceId)
    {
        var role = update.Role?.Name ?? "";
        var electionId = update.ElectionId is null ? (ElectionId?)null : ElectionId.FromProto(update.ElectionId);
        lock (_gate)
        {
            if (stream.DeviceId is null)
            {
                if (update.DeviceId != deviceId)
                    return (new RpcStatus(StatusCode.NotFound, $"Unknown device id {update.DeviceId}; this switch is device {deviceId}"), new());
                if (_streams.Count >= MaxStreamsPerDevice)
                    return (new RpcStatus(StatusCode.ResourceExhausted, "Too many controller streams"), new());
            }
            else if (stream.DeviceId != update.DeviceId || stream.Role != role)
            {
                return (new RpcStatus(StatusCode.FailedPrecondition,
                    "Arbitration on an open stream must keep its device id and role"), new());
            }
            if (Effective(electionId) is { } id && _streams.Any(s => s != stream && s.Role == role && Effective(s.ElectionId) == id))
                return (new RpcStatus(StatusCode.InvalidArgument, $"Election id {id} is already used by another controller"), new());

            var primaryBefore = Primary(role);
            stream.DeviceId = update.DeviceId;
            stream.Role = role;
            stream.ElectionId = electionId;
            if (!_streams.Contains(stream))
                _streams.Add(stream);
            if (electionId is { } e && (!_highest.TryGetValue(role, out var highest) || e > highest))
                _highest[role] = e;
            var primaryAfter = Primary(role);
            var notify = primaryBefore != primaryAfter
                ? NotificationsFor(role)
                : new List<(ControllerStream, StreamMessageResponse)> { (stream, Notification(stream, role)) };
            return (null, notify);
        }
    }

    /// <summary>Removes a closed stream; returns notifications when the primary changed.</summary>
    public List<(ControllerStream To, StreamMessageResponse Message)> Remove(ControllerStream stream)
    {
        lock (_gate)
        {
            if (!_streams.Contains(stream) || stream.Role is not { } role)
                return new();
            var wasPrimary = Primary(role) == stream;
            _streams.Remove(stream);
            return wasPrimary ? NotificationsFor(role) : new();
        }
    }

    /// <summary>True when (role, election id) is the current primary, as Write and SetForwardingPipelineConfig require.</summary>
    public bool IsPrimary(string role, Uint128? electionId)
    {
        lock (_gate)
        {
            var primary = Primary(role);
            return primary is not null && electionId is not null && Effective(primary.ElectionId) == ElectionId.FromProto(electionId);
        }
    }

    public bool IsPrimary(ControllerStream stream)
    {
        lock (_gate)
            return stream.Role is { } role && Primary(role) == stream;
    }

    public ControllerStream? PrimaryFor(string role)
    {
        lock (_gate)
            return Primary(role);
    }

    public IReadOnlyList<ControllerStream> Primaries()
    {
        lock (_gate)
            return _streams.Select(s => s.Role!).Distinct().Select(Primary).OfType<ControllerStream>().ToList();
    }

    private ControllerStream? Primary(string role) => mode == ArbitrationMode.Bmv2
        ? _streams.Where(s => s.Role == role).MaxBy(s => Effective(s.ElectionId))
        : _highest.TryGetValue(role, out var highest)
            ? _streams.FirstOrDefault(s => s.Role == role && s.ElectionId == highest)
            : null;

    // PI treats an unset election id as 0; the spec keeps it below every id, never primary.
    private ElectionId? Effective(ElectionId? id) => mode == ArbitrationMode.Bmv2 ? id ?? default(ElectionId) : id;

    private List<(ControllerStream, StreamMessageResponse)> NotificationsFor(string role) =>
        _streams.Where(s => s.Role == role).Select(s => (s, Notification(s, role))).ToList();

    private StreamMessageResponse Notification(ControllerStream stream, string role)
    {
        var primary = Primary(role);
        var update = new MasterArbitrationUpdate
        {
            DeviceId = stream.DeviceId ?? 0,
            Status = primary == stream
                ? new Google.Rpc.Status { Code = (int)StatusCode.OK, Message = "Is primary" }
                : primary is null
                    ? new Google.Rpc.Status { Code = (int)StatusCode.NotFound, Message = "No primary for this role" }
                    : new Google.Rpc.Status { Code = (int)StatusCode.AlreadyExists, Message = "Is backup" },
        };
        if (role.Length > 0)
            update.Role = new Role { Name = role };
        if (mode == ArbitrationMode.Bmv2 && primary is not null)
            update.ElectionId = Effective(primary.ElectionId)!.Value.ToProto();
        else if (mode == ArbitrationMode.Spec && _highest.TryGetValue(role, out var highest))
            update.ElectionId = highest.ToProto();
        return new StreamMessageResponse { Arbitration = update };
    }
}
