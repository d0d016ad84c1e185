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
/// update, in order, in grpc-status-details-bin; that list is decoded here into typed results.
/// </summary>
public sealed class WriteResult
{
    private WriteResult(IReadOnlyList<UpdateResult> updates) => Updates = updates;

    public static WriteResult Empty { get; } = new([]);

    public IReadOnlyList<UpdateResult> Updates { get; }
    public bool AllOk => Updates.All(u => u.Ok);
    public IEnumerable<UpdateResult> Failures => Updates.Where(u => !u.Ok);

    /// <summary>A result with one status per update, as a switch that answers in-process (a fake, a simulator) gives it.</summary>
    public static WriteResult Of(IReadOnlyList<Update> updates, IReadOnlyList<StatusCode> codes)
    {
        if (codes.Count != updates.Count)
            throw new ArgumentException($"{codes.Count} status codes for {updates.Count} updates", nameof(codes));
        return new(updates.Select((u, i) => new UpdateResult(i, u, codes[i], codes[i] == StatusCode.OK ? "" : codes[i].ToString(), "", 0)).ToList());
    }

    internal static WriteResult Succeeded(IReadOnlyList<Update> updates) =>
        new(updates.Select((u, i) => new UpdateResult(i, u, StatusCode.OK, "", "", 0)).ToList());

    /// <summary>Decodes an UNKNOWN status with per-update details; null when the status is not of that form.</summary>
    internal static WriteResult? FromStatus(RpcStatus status, IReadOnlyList<Update> updates)
    {
        if (status.Code != StatusCode.Unknown || status.Details is not { } details || details.Details.Count != updates.Count)
            return null;
        var results = new List<UpdateResult>(updates.Count);
        for (var i = 0; i < updates.Count; i++)
        {
            if (!details.Details[i].TryUnpack<Error>(out var error))
                return null;
            results.Add(new UpdateResult(i, updates[i], (StatusCode)error.CanonicalCode, error.Message, error.Space, error.Code));
        }
        return new WriteResult(results);
    }

    /// <summary>The results of <paramref name="count"/> updates from <paramref name="start"/>, numbered from 0: one caller's share of a merged Write.</summary>
    public WriteResult Slice(int start, int count) =>
        new(Updates.Skip(start).Take(count).Select(u => u with { Index = u.Index - start }).ToList());

    public void ThrowIfFailed()
    {
        if (!AllOk)
            throw new P4RuntimeWriteException(this);
    }
}

public sealed class P4RuntimeWriteException : Exception
{
    public P4RuntimeWriteException(WriteResult result)
        : base($"{result.Failures.Count()} of {result.Updates.Count} updates failed: " +
               string.Join("; ", result.Failures.Take(5)))
        => Result = result;

    public WriteResult Result { get; }
}
