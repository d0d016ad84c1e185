using System.Globalization;
using Offload.AgentProtocol;

namespace Offload.Agent;

/// <summary>
/// The host's load from /proc: CPU busy since the previous sample (/proc/stat), memory in use (1 − MemAvailable /
/// MemTotal), and established TCP connections whose local port is one of the watched services' (/proc/net/tcp, tcp6).
/// </summary>
public sealed class LoadSampler(IReadOnlyCollection<ushort> ports)
{
    private readonly object _gate = new();
    private (ulong Busy, ulong Total)? _previous;

    public LoadReport Sample()
    {
        var cpu = Cpu();
        return new LoadReport(Math.Round(cpu, 3), Math.Round(Memory(), 3), Connections());
    }

    private double Cpu()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        var total = fields.Take(8).Aggregate(0UL, (a, b) => a + b);
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        lock (_gate)
        {
            var previous = _previous;
            _previous = (total - idle, total);
            if (previous is not { } p || total <= p.Total)
                return 0;
            return Math.Clamp((double)(total - idle - p.Busy) / (total - p.Total), 0, 1);
        }
    }

    private static double Memory()
    {
        ulong total = 0, available = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            var parts = line.Split(':', 2);
            if (parts.Length < 2)
                continue;
            var kb = ulong.TryParse(parts[1].Trim().Split(' ')[0], out var v) ? v : 0;
            if (parts[0] == "MemTotal")
                total = kb;
            else if (parts[0] == "MemAvailable")
                available = kb;
        }
        return total == 0 ? 0 : Math.Clamp(1 - (double)available / total, 0, 1);
    }

    private int Connections()
    {
        if (ports.Count == 0)
            return 0;
        var count = 0;
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file))
                continue;
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local_address is ADDRESS:PORT in hex; st 01 is ESTABLISHED.
                if (fields.Length < 4 || fields[3] != "01")
                    continue;
                var local = fields[1];
                if (ushort.TryParse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port) && ports.Contains(port))
                    count++;
            }
        }
        return count;
    }
}
