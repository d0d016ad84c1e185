using System.Text.Json;

namespace Offload.Tests.Common.Packets;

/// <summary>Real scapy (Debian's python3-scapy), for packets our own builder does not know: tests/vectors/scapy_build.py.</summary>
public static class Scapy
{
    public static async Task<byte[][]> BuildAsync(params string[] expressions)
    {
        var input = Path.GetTempFileName();
        var output = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(input, JsonSerializer.Serialize(expressions));
            var (exit, log) = await PythonPeer.RunAsync("tests/vectors/scapy_build.py", TimeSpan.FromMinutes(1), input, output);
            if (exit != 0)
                throw new InvalidOperationException($"scapy_build.py failed (python3-scapy: scripts/deps.sh installs it): {log}");
            return (await File.ReadAllLinesAsync(output)).Select(Convert.FromHexString).ToArray();
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }
}
