using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Offload.Simulator.Tests.Vectors;

/// <summary>A packet test vector file of tests/vectors/: setup entries, then cases run in order against that state.</summary>
public sealed class VectorFile
{
    public string Description { get; set; } = "";
    public List<string> Include { get; set; } = new();
    public List<Dictionary<string, object>> Entries { get; set; } = new();
    public List<VectorCase> Cases { get; set; } = new();

    public static VectorFile Load(string path)
    {
        var file = Deserializer.Deserialize<VectorFile>(File.ReadAllText(path)) ?? new VectorFile();
        var entries = new List<Dictionary<string, object>>();
        foreach (var include in file.Include)
            entries.AddRange(Load(Path.Combine(Path.GetDirectoryName(path)!, include)).Entries);
        entries.AddRange(file.Entries);
        file.Entries = entries;
        return file;
    }

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();
}

public sealed class VectorCase
{
    public string Name { get; set; } = "";

    /// <summary>Entries written before the case's packet, in the form of the file's entries (<c>update: modify</c> to change one).</summary>
    public List<Dictionary<string, object>> Writes { get; set; } = new();
    public VectorPacket? In { get; set; }
    public VectorPacketOut? PacketOut { get; set; }
    public List<VectorPacket> Out { get; set; } = new();
    public List<VectorPacketIn> PacketIn { get; set; } = new();
    public List<Dictionary<string, string>> Digests { get; set; } = new();
    public List<VectorCounter> Counters { get; set; } = new();
}

public sealed class VectorPacket
{
    public uint Port { get; set; }
    public string Packet { get; set; } = "";
}

public sealed class VectorPacketOut
{
    public uint EgressPort { get; set; }
    public uint Mode { get; set; }
    public string Packet { get; set; } = "";
}

public sealed class VectorPacketIn
{
    public uint IngressPort { get; set; }
    public uint Reason { get; set; }
    public uint VipId { get; set; }
    public string Packet { get; set; } = "";
}

public sealed class VectorCounter
{
    public string Name { get; set; } = "";
    public long Index { get; set; }
    public long Packets { get; set; }
}
