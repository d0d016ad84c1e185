using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.PacketIo;
using Offload.Simulator.Pipeline;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using P4.V1;

namespace Offload.Simulator.Device;

/// <summary>
/// One simulated switch: its ports, the committed pipeline and its state, and the messages it sends the primary
/// controller (packet-ins, digest lists, idle-timeout notifications).
/// </summary>
internal sealed partial class SwitchDevice : IDisposable
{
    private const int IdleNotificationBatch = 512;
    private const int TickMilliseconds = 1;    // digest lists leave within about max_timeout_ns + 1 ms
    private const int IdleScanTicks = 250;     // every 250 ms: a scan of a million entries holds the pipeline for a few ms
    private readonly ILogger _logger;
    private volatile Dictionary<uint, IPortDriver> _ports = new(); // copied on attach: the packet path reads it without a lock
    private readonly Dictionary<uint, bool> _portUp = new();
    private readonly Timer _timer;
    private readonly Lock _portsGate = new();
    private volatile Active? _active;
    private long _ticks;

    public SwitchDevice(uint cpuPort, ILogger logger, uint dropPort = StandardMetadata.DropPort)
    {
        CpuPort = cpuPort;
        DropPort = dropPort;
        _logger = logger;
        _timer = new Timer(_ => Tick(), null, TickMilliseconds, TickMilliseconds);
    }

    public uint CpuPort { get; }

    /// <summary>Packets the pipeline sends here are dropped (simple_switch's --drop-port; 511, mark_to_drop's port, by default).</summary>
    public uint DropPort { get; }
    public DeviceState? State => _active?.State;

    /// <summary>Where messages for the primary controller go; unset or returning false drops them, as BMv2 does.</summary>
    public Func<StreamMessageResponse, bool>? ToController { get; set; }

    public void Commit(PipelineSchema schema)
    {
        var state = new DeviceState(schema, list => Send(new StreamMessageResponse { Digest = list }));
        _active = new Active(state, new OffloadPipeline(state, CpuPort, IsPortUp));
        LogCommitted(_logger, schema.Tables.Count);
    }

    public void Attach(IPortDriver driver)
    {
        lock (_portsGate)
            _ports = new Dictionary<uint, IPortDriver>(_ports) { [driver.Port] = driver };
        driver.Start((port, packet) => Inject(port, packet));
    }

    public void SetPortUp(uint port, bool up)
    {
        lock (_portsGate)
            _portUp[port] = up;
    }

    public bool IsPortUp(uint port)
    {
        lock (_portsGate)
        {
            if (_portUp.TryGetValue(port, out var up))
                return up;
            return !_ports.TryGetValue(port, out var driver) || driver.IsUp;
        }
    }

    /// <summary>Runs a packet received on a port through the pipeline and delivers what comes out.</summary>
    public List<OutputPacket> Inject(uint port, byte[] packet)
    {
        var outputs = new List<OutputPacket>(2);
        var active = _active;
        if (active is null)
            return outputs;
        try
        {
            lock (active.State.Gate)
                active.Pipeline.Process(port, packet, outputs);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPipelineFault(_logger, port, ex);
            return outputs;
        }
        foreach (var output in outputs)
            Deliver(active, output);
        return outputs;
    }

    /// <summary>A PacketOut from the primary: the packet_out header is built from its metadata and the packet enters on the CPU port.</summary>
    public List<OutputPacket> PacketOut(PacketOut message)
    {
        var active = _active ?? throw P4Error.FailedPrecondition("no pipeline: packet-out needs one");
        return Inject(CpuPort, ControllerHeaders.PrependPacketOut(active.State.Schema.PacketOut, message));
    }

    public void AckDigest(DigestListAck ack)
    {
        if (_active is { } active)
            lock (active.State.Gate)
                active.State.Digests.Ack(ack.DigestId, ack.ListId);
    }

    private void Deliver(Active active, OutputPacket output)
    {
        if (output.Port == CpuPort)
        {
            Send(new StreamMessageResponse { Packet = ControllerHeaders.StripPacketIn(active.State.Schema.PacketIn, output.Packet) });
            return;
        }
        if (output.Port != DropPort && _ports.TryGetValue(output.Port, out var driver))
            driver.Send(output.Packet);
    }

    private void Send(StreamMessageResponse message) => ToController?.Invoke(message);

    private void Tick()
    {
        if (_active is not { } active)
            return;
        try
        {
            lock (active.State.Gate)
                active.State.Digests.Tick();
            if (Interlocked.Increment(ref _ticks) % IdleScanTicks == 0)
                ScanIdleEntries(active.State);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogTimerFault(_logger, ex);
        }
    }

    private void ScanIdleEntries(DeviceState state)
    {
        var expired = new List<TableEntry>();
        lock (state.Gate)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var table in state.Tables.Values.Where(t => t.Schema.SupportsIdleTimeout))
            {
                foreach (var (key, entry) in table.Expired(now))
                {
                    entry.LastHitTimestamp = now;
                    expired.Add(EntityReader.ToP4(state, table, key, entry, withCounters: false, withTime: false));
                }
            }
        }
        foreach (var batch in expired.Chunk(IdleNotificationBatch))
        {
            var notification = new IdleTimeoutNotification { Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 };
            foreach (var entry in batch)
            {
                entry.Action = null;
                notification.TableEntry.Add(entry);
            }
            Send(new StreamMessageResponse { IdleTimeoutNotification = notification });
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_portsGate)
        {
            foreach (var driver in _ports.Values)
                driver.Dispose();
            _ports = new Dictionary<uint, IPortDriver>();
        }
    }

    private sealed record Active(DeviceState State, OffloadPipeline Pipeline);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Pipeline committed: {Tables} tables, forwarding state cleared")]
    private static partial void LogCommitted(ILogger logger, int tables);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Pipeline fault on a packet from port {Port}; packet dropped")]
    private static partial void LogPipelineFault(ILogger logger, uint port, Exception exception);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Timer fault")]
    private static partial void LogTimerFault(ILogger logger, Exception exception);
}
