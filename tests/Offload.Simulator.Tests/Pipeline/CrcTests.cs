using System.Text;
using Xunit;
using Offload.Simulator.Runtime.Externs;

namespace Offload.Simulator.Tests.Pipeline;

public sealed class CrcTests
{
    // The catalogue check values of CRC-32 (IEEE) and CRC-16/ARC, which BMv2's crc32 and crc16 are.
    [Fact]
    public void Crc32_CheckValue() => Assert.Equal(0xCBF43926u, Crc.Crc32(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Crc16_CheckValue() => Assert.Equal((ushort)0xBB3D, Crc.Crc16(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Concatenate_FieldsBigEndianAtTheirWidths()
    {
        var bytes = new byte[7];
        var length = Crc.Concatenate(bytes, [(UInt128)0x0A000002, 6, 0x1F90], [4, 1, 2]);
        Assert.Equal(7, length);
        Assert.Equal(new byte[] { 10, 0, 0, 2, 6, 0x1F, 0x90 }, bytes);
    }
}
