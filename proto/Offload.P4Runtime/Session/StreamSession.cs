using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Grpc;
using Offload.Grpc.Client;
using Offload.Logging;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>What the switch last said about this controller's role.</summary>
public sealed record ArbitrationState(bool IsPrimary, ElectionId? PrimaryElectionId, StatusCode Code, string Message)
{
    public static readonly ArbitrationState Disconnected = new(false, null, StatusCode.Unavailable, "no stream");
}

public sealed record StreamSessionOptions
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public int PacketInCapacity { get; init; } = 10_000;

    /// <summary>Digest lists held for a slow reader; when full the stream is not read (HTTP/2 flow control stops the switch).</summary>
    public int DigestCapacity { get; init; } = 1024;

    /// <summary>While the switch stays unreachable, one warning per interval says how many attempts failed since the last.</summary>
    public TimeSpan FailureWarningInterval { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The StreamChannel of one (device, role): arbitrates with an election id, keeps the stream open
/// for the whole session, sorts what arrives (packets, digests, idle timeouts, errors) into queues,
/// and reconnects with exponential backoff and jitter, re-arbitrating by itself.
/// </summary>
public sealed partial class StreamSession : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly string _role;
    private readonly StreamSessionOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<PacketIn> _packets;
    private readonly Channel<DigestList> _digests;
    private readonly Channel<IdleTimeoutNotification> _idleTimeouts = Channel.CreateUnbounded<IdleTimeoutNotification>();
    private readonly Channel<StreamError> _errors = Channel.CreateUnbounded<StreamError>();
    private readonly object _gate = new();
    private TaskCompletionSource _primary = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile AsyncDuplexStreamingCall<StreamMessageRequest, StreamMessageResponse>? _call;
    private Task? _loop;
    private ElectionId _electionId;
    private long _droppedPackets;
    private long _digestLists;
    private const string FailureKind = "stream";
    private readonly RepeatLimiter _failureWarnings;

    public StreamSession(GrpcChannel channel, ulong deviceId, ElectionId electionId, string role = "",
        StreamSessionOptions? options = null, ILogger? logger = null)
    {
        _channel = channel;
        DeviceId = deviceId;
        _electionId = electionId;
        _role = role;
        _options = options ?? new StreamSessionOptions();
        _failureWarnings = new RepeatLimiter(_options.FailureWarningInterval);
        _logger = logger ?? NullLogger.Instance;
        _digests = Channel.CreateBounded<DigestList>(new BoundedChannelOptions(_options.DigestCapacity) { FullMode = BoundedChannelFullMode.Wait });
        _packets = Channel.CreateBounded<PacketIn>(new BoundedChannelOptions(_options.PacketInCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
        }, _ => Interlocked.Increment(ref _droppedPackets));
    }

    public ulong DeviceId { get; }
    public ElectionId ElectionId => _electionId;
    public ArbitrationState State { get; private set; } = ArbitrationState.Disconnected;
    public bool IsPrimary => State.IsPrimary;

    /// <summary>How many times a stream was opened and answered; 1 until the first reconnect.</summary>
    public int Connections { get; private set; }

    public RpcStatus? LastFailure { get; private set; }
    public long DroppedPacketIns => Interlocked.Read(ref _droppedPackets);

    /// <summary>Digest lists received so far, read or not: with a reader's own count, how far behind the reader is.</summary>
    public long DigestListsReceived => Interlocked.Read(ref _digestLists);

    public event Action<ArbitrationState>? ArbitrationChanged;

    public ChannelReader<PacketIn> PacketIns => _packets.Reader;
    public ChannelReader<DigestList> Digests => _digests.Reader;
    public ChannelReader<IdleTimeoutNotification> IdleTimeouts => _idleTimeouts.Reader;
    public ChannelReader<StreamError> Errors => _errors.Reader;

    public void Start()
    {
        lock (_gate)
            _loop ??= Task.Run(RunAsync);
    }

    public async Task WaitForPrimaryAsync(CancellationToken cancellationToken = default)
    {
        Task primary;
        lock (_gate)
            primary = _primary.Task;
        await primary.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task SendPacketOutAsync(PacketOut packet, CancellationToken cancellationToken = default) =>
        SendAsync(new StreamMessageRequest { Packet = packet }, cancellationToken);

    public Task AckDigestAsync(uint digestId, ulong listId, CancellationToken cancellationToken = default) =>
        SendAsync(new StreamMessageRequest { DigestAck = new DigestListAck { DigestId = digestId, ListId = listId } },
            cancellationToken);

    /// <summary>Advertises a new election id on the live stream (and on every reconnect after).</summary>
    public Task ChangeElectionIdAsync(ElectionId electionId, CancellationToken cancellationToken = default)
    {
        _electionId = electionId;
        return SendAsync(ArbitrationRequest(), cancellationToken);
    }

    private async Task SendAsync(StreamMessageRequest message, CancellationToken cancellationToken)
    {
        var call = _call ?? throw new RpcException(StatusCode.Unavailable,
            $"no StreamChannel to device {DeviceId} at {_channel.Address.Authority}");
        await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private StreamMessageRequest ArbitrationRequest()
    {
        var update = new MasterArbitrationUpdate { DeviceId = DeviceId, ElectionId = _electionId.ToProto() };
        if (_role.Length > 0)
            update.Role = new Role { Name = _role };
        return new StreamMessageRequest { Arbitration = update };
    }

    private async Task RunAsync()
    {
        var attempt = 0;
        while (!_stop.IsCancellationRequested)
        {
            var answered = false;
            try
            {
                using var call = _channel.DuplexStreaming(P4RuntimeMethods.StreamChannel,
                    new CallOptions(CancellationToken: _stop.Token));
                _call = call;
                await call.RequestStream.WriteAsync(ArbitrationRequest(), _stop.Token).ConfigureAwait(false);
                LogArbitrating(_logger, DeviceId, _channel.Address.Authority, _electionId.ToString());
                while (await call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
                {
                    if (!answered)
                    {
                        answered = true;
                        if (attempt > 0)
                            LogReconnected(_logger, DeviceId, _channel.Address.Authority, attempt);
                        attempt = 0;
                        _failureWarnings.Reset(FailureKind);
                        Connections++;
                    }
                    await DispatchAsync(call.ResponseStream.Current).ConfigureAwait(false);
                }
                LastFailure = new RpcStatus(StatusCode.Unavailable, "the switch closed the stream");
            }
            catch (RpcException ex) when (!_stop.IsCancellationRequested)
            {
                LastFailure = ex.Status;
                if (_failureWarnings.ShouldLog(FailureKind, out var held))
                    LogStreamFailed(_logger, DeviceId, _channel.Address.Authority, ex.Status.ToString(), held);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                break;
            }
            finally
            {
                _call = null;
                SetState(ArbitrationState.Disconnected);
            }
            if (_stop.IsCancellationRequested)
                break;
            var delay = Backoff(attempt++);
            LogReconnecting(_logger, DeviceId, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async ValueTask DispatchAsync(StreamMessageResponse message)
    {
        switch (message.UpdateCase)
        {
            case StreamMessageResponse.UpdateOneofCase.Arbitration:
                var a = message.Arbitration;
                var code = (StatusCode)(a.Status?.Code ?? 0);
                SetState(new ArbitrationState(code == StatusCode.OK,
                    a.ElectionId is null ? null : ElectionId.FromProto(a.ElectionId), code, a.Status?.Message ?? ""));
                break;
            case StreamMessageResponse.UpdateOneofCase.Packet:
                _packets.Writer.TryWrite(message.Packet);
                break;
            case StreamMessageResponse.UpdateOneofCase.Digest:
                Interlocked.Increment(ref _digestLists);
                await _digests.Writer.WriteAsync(message.Digest).ConfigureAwait(false);
                break;
            case StreamMessageResponse.UpdateOneofCase.IdleTimeoutNotification:
                await _idleTimeouts.Writer.WriteAsync(message.IdleTimeoutNotification).ConfigureAwait(false);
                break;
            case StreamMessageResponse.UpdateOneofCase.Error:
                LogStreamError(_logger, DeviceId, (StatusCode)message.Error.CanonicalCode, message.Error.Message);
                await _errors.Writer.WriteAsync(message.Error).ConfigureAwait(false);
                break;
            default:
                LogUnhandled(_logger, DeviceId, message.UpdateCase.ToString());
                break;
        }
    }

    private void SetState(ArbitrationState state)
    {
        var previous = State;
        State = state;
        lock (_gate)
        {
            if (state.IsPrimary)
                _primary.TrySetResult();
            else if (_primary.Task.IsCompleted)
                _primary = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (previous == state)
            return;
        LogArbitration(_logger, DeviceId, state.IsPrimary ? "primary" : "backup", state.Code, state.Message,
            state.PrimaryElectionId?.ToString() ?? "none");
        ArbitrationChanged?.Invoke(state);
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var capped = Math.Min(exponential, _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + Random.Shared.NextDouble() * 0.4));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _packets.Writer.TryComplete();
        _digests.Writer.TryComplete();
        _idleTimeouts.Writer.TryComplete();
        _errors.Writer.TryComplete();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Device {DeviceId} at {Address}: opening StreamChannel, election id {ElectionId}")]
    private static partial void LogArbitrating(ILogger logger, ulong deviceId, string address, string electionId);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Device {DeviceId}: {Role} ({Code} {Message}); primary election id {Primary}")]
    private static partial void LogArbitration(ILogger logger, ulong deviceId, string role, StatusCode code, string message, string primary);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "Device {DeviceId} at {Address}: StreamChannel ended: {Status} ({Held} more failure(s) since the last warning); retrying with backoff")]
    private static partial void LogStreamFailed(ILogger logger, ulong deviceId, string address, string status, int held);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Device {DeviceId} at {Address}: StreamChannel open again after {Attempts} failed attempt(s)")]
    private static partial void LogReconnected(ILogger logger, ulong deviceId, string address, int attempts);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Device {DeviceId}: reconnecting in {DelayMs:F0} ms")]
    private static partial void LogReconnecting(ILogger logger, ulong deviceId, double delayMs);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Device {DeviceId}: stream error {Code}: {Message}")]
    private static partial void LogStreamError(ILogger logger, ulong deviceId, StatusCode code, string message);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Device {DeviceId}: ignoring stream message {Kind}")]
    private static partial void LogUnhandled(ILogger logger, ulong deviceId, string kind);
}
