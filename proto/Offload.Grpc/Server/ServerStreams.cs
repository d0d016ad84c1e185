using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Offload.Grpc.Wire;

namespace Offload.Grpc.Server;

/// <summary>Reads framed request messages from the request body.</summary>
internal sealed class ServerStreamReader<T> : IAsyncStreamReader<T> where T : class, IMessage<T>
{
    private readonly PipeReader _reader;
    private readonly MessageParser<T> _parser;
    private readonly int _maxReceiveSize;
    private readonly CancellationToken _callToken;
    private T? _current;

    public ServerStreamReader(PipeReader reader, MessageParser<T> parser, int maxReceiveSize, CancellationToken callToken)
    {
        _reader = reader;
        _parser = parser;
        _maxReceiveSize = maxReceiveSize;
        _callToken = callToken;
    }

    public T Current => _current ?? throw new InvalidOperationException("no current message: call MoveNext first");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken)
            : null;
        var token = linked?.Token ?? _callToken;
        while (true)
        {
            var result = await _reader.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadMessage(ref buffer, out var message))
            {
                _reader.AdvanceTo(buffer.Start);
                _current = message;
                return true;
            }
            if (result.IsCompleted)
            {
                _reader.AdvanceTo(buffer.End);
                if (!buffer.IsEmpty)
                    throw new RpcException(StatusCode.Internal, "Incomplete message: the request stream ended inside it.");
                _current = null;
                return false;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out T? message)
    {
        message = null;
        if (buffer.Length < GrpcProtocol.HeaderSize)
            return false;
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var length = MessageFramer.ParseHeader(header, _maxReceiveSize);
        if (buffer.Length < GrpcProtocol.HeaderSize + length)
            return false;
        message = MessageFramer.Parse(_parser, buffer.Slice(GrpcProtocol.HeaderSize, length));
        buffer = buffer.Slice(GrpcProtocol.HeaderSize + length);
        return true;
    }
}

/// <summary>Writes framed response messages, one flush per message; concurrent writers are serialized.</summary>
internal sealed class ServerStreamWriter<T> : IAsyncStreamWriter<T> where T : class, IMessage<T>
{
    private readonly PipeWriter _writer;
    private readonly int _maxSendSize;
    private readonly CancellationToken _callToken;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _closed;

    public ServerStreamWriter(PipeWriter writer, int maxSendSize, CancellationToken callToken)
    {
        _writer = writer;
        _maxSendSize = maxSendSize;
        _callToken = callToken;
    }

    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed)
                throw new InvalidOperationException("the call is complete: no more messages can be written");
            var size = message.CalculateSize();
            if (size > _maxSendSize)
                throw new RpcException(StatusCode.ResourceExhausted,
                    $"Sending message exceeds the maximum configured message size ({size} > {_maxSendSize} bytes).");
            MessageFramer.WriteHeader(_writer.GetSpan(GrpcProtocol.HeaderSize), size);
            _writer.Advance(GrpcProtocol.HeaderSize);
            message.WriteTo((IBufferWriter<byte>)_writer);
            var token = cancellationToken.CanBeCanceled ? cancellationToken : _callToken;
            await _writer.FlushAsync(token).ConfigureAwait(false);
            _callToken.ThrowIfCancellationRequested();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Stops further writes once the handler has returned.</summary>
    public async Task CloseAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        _closed = true;
        _lock.Release();
    }
}
