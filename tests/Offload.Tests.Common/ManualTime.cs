namespace Offload.Tests.Common;

/// <summary>A clock that moves only when told: timestamps and the wall clock advance together.</summary>
public sealed class ManualTime(DateTimeOffset? start = null) : TimeProvider
{
    private readonly DateTimeOffset _start = start ?? DateTimeOffset.UnixEpoch;

    public long Ticks { get; set; }
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Ticks;
    public override DateTimeOffset GetUtcNow() => _start + TimeSpan.FromTicks(Ticks);
    public void Advance(TimeSpan by) => Ticks += by.Ticks;
}
