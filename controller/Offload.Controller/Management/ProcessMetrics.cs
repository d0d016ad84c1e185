using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Offload.Controller.Management;

/// <summary>The process_* families Prometheus client libraries export, the .NET GC's, and offload_build_info.</summary>
public static class ProcessMetrics
{
    public static void Write(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        Sample(text, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", process.TotalProcessorTime.TotalSeconds);
        Sample(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Sample(text, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Sample(text, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Sample(text, "process_threads", "gauge", "Threads of the process.", process.Threads.Count);
        if (Directory.Exists("/proc/self/fd"))
            Sample(text, "process_open_fds", "gauge", "Open file descriptors.", Directory.GetFiles("/proc/self/fd").Length);
        if (MaxOpenFiles() is { } max)
            Sample(text, "process_max_fds", "gauge", "The limit of open file descriptors.", max);
        Sample(text, "dotnet_gc_heap_bytes", "gauge", "Bytes the GC heap holds.", GC.GetTotalMemory(false));
        text.AppendLine("# HELP dotnet_gc_collections_total Garbage collections, by generation.");
        text.AppendLine("# TYPE dotnet_gc_collections_total counter");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            text.AppendLine(CultureInfo.InvariantCulture, $"dotnet_gc_collections_total{{generation=\"{generation}\"}} {GC.CollectionCount(generation)}");

        var (version, commit) = Build();
        text.AppendLine("# HELP offload_build_info The running build: version, commit and runtime; always 1.");
        text.AppendLine("# TYPE offload_build_info gauge");
        text.AppendLine($"offload_build_info{{version=\"{version}\",commit=\"{commit}\",runtime=\"{RuntimeInformation.FrameworkDescription}\"}} 1");
    }

    /// <summary>The assembly's informational version, which the SDK writes as VERSION+COMMIT when built from a git checkout.</summary>
    public static (string Version, string Commit) Build()
    {
        var informational = typeof(ProcessMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = informational.IndexOf('+');
        return plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
    }

    private static void Sample(StringBuilder text, string name, string type, string help, double value)
    {
        text.AppendLine($"# HELP {name} {help}");
        text.AppendLine($"# TYPE {name} {type}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{name} {value}");
    }

    private static long? MaxOpenFiles()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(3);
            return long.TryParse(soft, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
