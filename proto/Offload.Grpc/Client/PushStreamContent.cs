using System.Net;

namespace Offload.Grpc.Client;

/// <summary>
/// A request body written by the caller while the call runs. The headers are flushed as soon as
/// the handler asks for the body, so writing never waits for response headers (C++ servers send
/// theirs only after the first client message).
/// </summary>
internal sealed class PushStreamContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> RequestStream => _stream.Task;

    public void Complete() => _complete.TrySetResult();

    public void Abort()
    {
        _stream.TrySetCanceled();
        _complete.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context,
        CancellationToken cancellationToken)
    {
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        await _complete.Task.ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
