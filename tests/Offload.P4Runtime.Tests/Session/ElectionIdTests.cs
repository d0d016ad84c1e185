using Offload.P4Runtime.Session;
using Xunit;

namespace Offload.P4Runtime.Tests.Session;

public sealed class ElectionIdTests
{
    [Fact]
    public void Compare_HighThenLowUnsigned()
    {
        Assert.True(new ElectionId(1, 0) > new ElectionId(0, ulong.MaxValue));
        Assert.True(new ElectionId(0, 2) > new ElectionId(0, 1));
        Assert.Equal(new ElectionId(0, 5), ElectionId.Parse("5"));
        Assert.Equal(new ElectionId(1, 2), ElectionId.Parse("1:2"));
        Assert.Equal(new ElectionId(1, 0), ElectionId.Parse("18446744073709551616"));
        Assert.Throws<FormatException>(() => ElectionId.Parse("x"));
    }
}
