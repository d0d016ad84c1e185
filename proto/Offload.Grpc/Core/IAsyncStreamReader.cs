using System.Runtime.CompilerServices;

namespace Offload.Grpc;

/// <summary>Reads a stream of messages, one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>Writes a stream of messages; writes are serialized, so callers on several threads are safe.</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Half-closes the request stream (END_STREAM).</summary>
    Task CompleteAsync();
}

public static class AsyncStreamReaderExtensions
{
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
            yield return reader.Current;
    }
}
