using Offload.P4Runtime.Schema;

namespace Offload.P4Runtime.Tests;

internal static class TestP4Info
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "basic.p4info.txtpb");

    private static readonly Lazy<P4InfoIndex> Shared = new(() => P4InfoIndex.Load(Path));

    public static P4InfoIndex Index => Shared.Value;

    public static readonly IReadOnlyDictionary<string, uint> PinnedIds =
        new Dictionary<string, uint> { ["MyIngress.port_counter"] = 0x12000010 };
}
