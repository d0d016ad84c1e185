namespace Offload.Logging;

/// <summary>
/// Lets the first message of a kind through and then at most one per interval, saying how many were held back,
/// so a switch that stays unreachable logs a line every interval rather than one per retry.
/// </summary>
public sealed class RepeatLimiter(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly object _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Last, int Held)> _kinds = new(StringComparer.Ordinal);

    /// <summary>True when a message of this kind should be logged now; <paramref name="held"/> counts those suppressed since the last one.</summary>
    public bool ShouldLog(string kind, out int held)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_kinds.TryGetValue(kind, out var state) && now - state.Last < interval)
            {
                _kinds[kind] = state with { Held = state.Held + 1 };
                held = 0;
                return false;
            }
            held = state.Held;
            _kinds[kind] = (now, 0);
            return true;
        }
    }

    /// <summary>Forgets a kind (the condition cleared), so the next occurrence is logged at once.</summary>
    public void Reset(string kind)
    {
        lock (_gate)
            _kinds.Remove(kind);
    }
}
