using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Offload.Grpc.Wire;

/// <summary>
/// Length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, then the message.
/// </summary>
internal static class MessageFramer
{
    /// <summary>Serializes one framed message into a rented buffer; the caller returns it to the pool.</summary>
    public static byte[] Frame(IMessage message, int maxSendSize, out int length)
    {
        var size = SizeOf(message, maxSendSize);
        length = GrpcProtocol.HeaderSize + size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        WriteFrame(message, size, buffer);
        return buffer;
    }

    /// <summary>Serializes one framed message into an array of exactly its length, for a body that outlives the call.</summary>
    public static byte[] FrameToArray(IMessage message, int maxSendSize)
    {
        var size = SizeOf(message, maxSendSize);
        var buffer = GC.AllocateUninitializedArray<byte>(GrpcProtocol.HeaderSize + size);
        WriteFrame(message, size, buffer);
        return buffer;
    }

    private static int SizeOf(IMessage message, int maxSendSize)
    {
        var size = message.CalculateSize();
        if (size > maxSendSize)
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} > {maxSendSize} bytes).");
        return size;
    }

    private static void WriteFrame(IMessage message, int size, byte[] buffer)
    {
        WriteHeader(buffer, size);
        message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, size));
    }

    public static void WriteHeader(Span<byte> destination, int size)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1, 4), (uint)size);
    }

    /// <summary>Reads the 5-byte prefix and validates it; returns the message length.</summary>
    public static int ParseHeader(ReadOnlySpan<byte> header, int maxReceiveSize)
    {
        var flag = header[0];
        if (flag == 1)
            throw new RpcException(StatusCode.Internal,
                "Received a compressed message but no grpc-encoding was negotiated.");
        if (flag != 0)
            throw new RpcException(StatusCode.Internal, $"Invalid compressed-flag byte {flag} in message prefix.");
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(1, 4));
        if (length > (uint)maxReceiveSize)
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message exceeds the maximum configured message size ({length} > {maxReceiveSize} bytes).");
        return (int)length;
    }

    /// <summary>Reads one message from a stream; null at a clean end of stream.</summary>
    public static async ValueTask<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, int maxReceiveSize,
        byte[] headerBuffer, CancellationToken cancellationToken) where T : IMessage<T>
    {
        var read = 0;
        while (read < GrpcProtocol.HeaderSize)
        {
            var n = await stream.ReadAsync(headerBuffer.AsMemory(read, GrpcProtocol.HeaderSize - read), cancellationToken)
                .ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                    return default;
                throw new RpcException(StatusCode.Internal, "Incomplete message prefix: the stream ended inside it.");
            }
            read += n;
        }
        var length = ParseHeader(headerBuffer, maxReceiveSize);
        if (length == 0)
            return parser.ParseFrom(ReadOnlySpan<byte>.Empty);
        var payload = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            try
            {
                await stream.ReadExactlyAsync(payload.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                throw new RpcException(StatusCode.Internal, "Incomplete message: the stream ended inside it.");
            }
            return Parse(parser, payload.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    public static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize message: {ex.Message}");
        }
    }

    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize message: {ex.Message}");
        }
    }
}
