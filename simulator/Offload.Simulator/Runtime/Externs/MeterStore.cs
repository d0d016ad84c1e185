using System.Diagnostics;

namespace Offload.Simulator.Runtime.Externs;

internal enum MeterColor : byte { Green = 0, Yellow = 1, Red = 2 }

internal sealed record MeterRates(long Cir, long Cburst, long Pir, long Pburst);

/// <summary>
/// An indirect meter array: a color-blind two-rate three-color marker (RFC 2698) per index, in packets or bytes.
/// An index that was never configured marks everything green.
/// </summary>
internal sealed class MeterStore(uint id, string name, long size, bool packets)
{
    private readonly MeterRates?[] _rates = new MeterRates?[size];
    private readonly double[] _committedTokens = new double[size];
    private readonly double[] _peakTokens = new double[size];
    private readonly long[] _lastTimestamp = new long[size];

    public uint Id { get; } = id;
    public string Name { get; } = name;
    public long Size { get; } = size;
    public bool CountsPackets { get; } = packets;
    public string ShortName => Name[(Name.LastIndexOf('.') + 1)..];

    public MeterRates? Read(long index) => _rates[index];

    public void Configure(long index, MeterRates? rates)
    {
        _rates[index] = rates;
        _committedTokens[index] = rates?.Cburst ?? 0;
        _peakTokens[index] = rates?.Pburst ?? 0;
        _lastTimestamp[index] = Stopwatch.GetTimestamp();
    }

    public MeterColor Execute(long index, int packetBytes)
    {
        if ((ulong)index >= (ulong)Size || _rates[index] is not { } rates)
            return MeterColor.Green;
        var now = Stopwatch.GetTimestamp();
        var seconds = (now - _lastTimestamp[index]) / (double)Stopwatch.Frequency;
        _lastTimestamp[index] = now;
        _committedTokens[index] = Math.Min(rates.Cburst, _committedTokens[index] + seconds * rates.Cir);
        _peakTokens[index] = Math.Min(rates.Pburst, _peakTokens[index] + seconds * rates.Pir);
        double amount = CountsPackets ? 1 : packetBytes;
        if (_peakTokens[index] < amount)
            return MeterColor.Red;
        _peakTokens[index] -= amount;
        if (_committedTokens[index] < amount)
            return MeterColor.Yellow;
        _committedTokens[index] -= amount;
        return MeterColor.Green;
    }
}
