using Offload.Grpc;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>The outcome of one update of a Write batch.</summary>
public sealed record UpdateResult(int Index, Update Update, StatusCode Code, string Message, string Space, int TargetCode)
{
    public bool Ok => Code == StatusCode.OK;

    public override string ToString() =>
        Ok ? $"update {Index}: OK" : $"update {Index} ({Update.Type} {Update.Entity?.EntityCase}): {Code}: {Message}";
}

/// <summary>
/// A Write's per-update results. On failure P4Runtime servers answer UNKNOWN with one p4.v1.Error per
/// update, in order, in grpc-status-details-bin; that list is decoded here into typed results. A result is a window
/// (start, count) onto the batch and its outcomes, so slicing a merged Write costs nothing, and the per-update
/// records are only built when asked for.
/// </summary>
public sealed class WriteResult
{
    private readonly IReadOnlyList<Update> _batch;
    private readonly Outcome[]? _outcomes; // null: every update succeeded
    private readonly int _start;
    private IReadOnlyList<UpdateResult>? _updates;

    private readonly record struct Outcome(StatusCode Code, string Message, string Space, int TargetCode);

    private WriteResult(IReadOnlyList<Update> batch, Outcome[]? outcomes, int start, int count)
    {
        _batch = batch;
        _outcomes = outcomes;
        _start = start;
        Count = count;
    }

    public static WriteResult Empty { get; } = new([], null, 0, 0);

    /// <summary>How many updates this result covers.</summary>
    public int Count { get; }

    public IReadOnlyList<UpdateResult> Updates => _updates ??= Enumerable.Range(0, Count).Select(Result).ToList();
    public bool AllOk => _outcomes is null || AllCodesOk();
    /// <summary>The updates that failed; only these are decoded, so a batch with one repeat costs one decode.</summary>
    public IEnumerable<UpdateResult> Failures =>
        _outcomes is null ? [] : Enumerable.Range(0, Count).Where(i => _outcomes[_start + i].Code != StatusCode.OK).Select(Result);

    /// <summary>A result with one status per update, as a switch that answers in-process (a fake, a simulator) gives it.</summary>
    public static WriteResult Of(IReadOnlyList<Update> updates, IReadOnlyList<StatusCode> codes)
    {
        if (codes.Count != updates.Count)
            throw new ArgumentException($"{codes.Count} status codes for {updates.Count} updates", nameof(codes));
        return new(updates, codes.Select(c => new Outcome(c, c == StatusCode.OK ? "" : c.ToString(), "", 0)).ToArray(), 0, updates.Count);
    }

    internal static WriteResult Succeeded(IReadOnlyList<Update> updates) => new(updates, null, 0, updates.Count);

    /// <summary>Decodes an UNKNOWN status with per-update details; null when the status is not of that form.</summary>
    internal static WriteResult? FromStatus(RpcStatus status, IReadOnlyList<Update> updates)
    {
        if (status.Code != StatusCode.Unknown || status.Details is not { } details || details.Details.Count != updates.Count)
            return null;
        var outcomes = new Outcome[updates.Count];
        for (var i = 0; i < updates.Count; i++)
        {
            if (!details.Details[i].TryUnpack<Error>(out var error))
                return null;
            outcomes[i] = new Outcome((StatusCode)error.CanonicalCode, error.Message, error.Space, error.Code);
        }
        return new WriteResult(updates, outcomes, 0, updates.Count);
    }

    /// <summary>The results of <paramref name="count"/> updates from <paramref name="start"/>, numbered from 0: one caller's share of a merged Write.</summary>
    public WriteResult Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"updates {start}..{start + count - 1} are outside this result's {Count}");
        return new(_batch, _outcomes, _start + start, count);
    }

    public void ThrowIfFailed()
    {
        if (!AllOk)
            throw new P4RuntimeWriteException(this);
    }

    private bool AllCodesOk()
    {
        for (var i = _start; i < _start + Count; i++)
        {
            if (_outcomes![i].Code != StatusCode.OK)
                return false;
        }
        return true;
    }

    private UpdateResult Result(int index)
    {
        var outcome = _outcomes?[_start + index] ?? new Outcome(StatusCode.OK, "", "", 0);
        return new UpdateResult(index, _batch[_start + index], outcome.Code, outcome.Message, outcome.Space, outcome.TargetCode);
    }
}

public sealed class P4RuntimeWriteException : Exception
{
    public P4RuntimeWriteException(WriteResult result)
        : base($"{result.Failures.Count()} of {result.Count} updates failed: " +
               string.Join("; ", result.Failures.Take(5)))
        => Result = result;

    public WriteResult Result { get; }
}
