using System.Text.Json.Serialization;

namespace Offload.Topology.Traffic;

/// <summary>What `offload-topo client http` saw: requests answered per backend name, failures and their reasons, latency.</summary>
public sealed record HttpLoadReport(int Requests, int Answered, int Failed, Dictionary<string, int> ByBackend, Dictionary<string, int> Failures,
    double P50Ms, double P99Ms, double Seconds)
{
    public double PerSecond => Seconds > 0 ? Answered / Seconds : 0;
}

/// <summary>One long-lived connection of the echo checker: where it landed and every byte counted both ways.</summary>
public sealed record EchoConnectionReport(int Index, string Backend, long Sent, long Received, long Mismatched, string? Error)
{
    public bool Intact => Error is null && Mismatched == 0 && Sent == Received;
}

public sealed record EchoReport(EchoConnectionReport[] Connections, double Seconds)
{
    public int Broken => Connections.Count(c => !c.Intact);
    public long Sent => Connections.Sum(c => c.Sent);
    public long Received => Connections.Sum(c => c.Received);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
/// <summary>A client-first bulk stream: bytes sent, bytes echoed back, how many of those differed, and why it stopped early.</summary>
public sealed record StreamReport(long Sent, long Received, long Mismatched, double Seconds, string? Error)
{
    public bool Intact => Error is null && Received == Sent && Mismatched == 0;
}

[JsonSerializable(typeof(HttpLoadReport))]
[JsonSerializable(typeof(StreamReport))]
[JsonSerializable(typeof(FirstByteReport))]
[JsonSerializable(typeof(EchoReport))]
public sealed partial class TrafficJson : JsonSerializerContext;
