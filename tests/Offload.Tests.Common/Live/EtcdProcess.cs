using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.Tests.Common.Live;

/// <summary>Debian's etcd-server (3.4) as a one-member cluster on loopback, in a data directory of its own, for one test.</summary>
public sealed class EtcdProcess : IDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _data;

    private EtcdProcess(Process process, DirectoryInfo data, int port)
    {
        _process = process;
        _data = data;
        ClientPort = port;
    }

    public int ClientPort { get; }
    public string Address => $"127.0.0.1:{ClientPort}";

    public static async Task<EtcdProcess> StartAsync()
    {
        if (!File.Exists("/usr/bin/etcd"))
            throw new InvalidOperationException("/usr/bin/etcd is missing: run `apt-get install -y --no-install-recommends etcd-server` (or `make deps`)");
        var data = Directory.CreateTempSubdirectory("offload-etcd-");
        var (client, peer) = (FreePorts.Next(), FreePorts.Next());
        var info = new ProcessStartInfo("/usr/bin/etcd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--name", "t", "--data-dir", data.FullName, "--listen-client-urls", $"http://127.0.0.1:{client}",
                     "--advertise-client-urls", $"http://127.0.0.1:{client}", "--listen-peer-urls", $"http://127.0.0.1:{peer}",
                     "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}", "--initial-cluster", $"t=http://127.0.0.1:{peer}" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new EtcdProcess(process, data, client);
        var until = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", client);
                return etcd;
            }
            catch (SocketException) when (until.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                etcd.Dispose();
                throw new InvalidOperationException($"etcd did not listen on {client} within 20 s");
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _data.Delete(recursive: true);
    }
}
