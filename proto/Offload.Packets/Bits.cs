using System.Buffers.Binary;

namespace Offload.Packets;

internal static class Bits
{
    public static ulong ReadUInt48(ReadOnlySpan<byte> data) =>
        (ulong)BinaryPrimitives.ReadUInt16BigEndian(data) << 32 | BinaryPrimitives.ReadUInt32BigEndian(data[2..]);

    public static void WriteUInt48(Span<byte> data, ulong value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)(value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(data[2..], (uint)value);
    }
}
