using System.Buffers.Binary;
using System.Net;

namespace Offload.Controller.Plumbing;

/// <summary>
/// IP addresses as offload.p4's family-neutral 128-bit values (IPv4 in the low 32 bits), and back; MAC addresses from
/// the configuration's aa:bb:cc:dd:ee:ff text (validated when it was loaded) as a 48-bit number or six bytes.
/// </summary>
public static class Addresses
{
    public static ulong MacToNumber(string mac) => Convert.ToUInt64(mac.Replace(":", ""), 16);

    public static byte[] MacToBytes(string mac) => Convert.FromHexString(mac.Replace(":", ""));

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
