using System.Buffers.Binary;
using System.Net;

namespace Offload.Controller.Plumbing;

/// <summary>IP addresses as offload.p4's family-neutral 128-bit values (IPv4 in the low 32 bits), and back.</summary>
public static class Addresses
{
    public static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> buffer = stackalloc byte[16];
        var bytes = address.GetAddressBytes();
        bytes.CopyTo(buffer[(16 - bytes.Length)..]);
        return BinaryPrimitives.ReadUInt128BigEndian(buffer);
    }

    public static IPAddress ToAddress(byte ipVersion, UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(ipVersion == 4 ? bytes[12..] : bytes);
    }
}
