using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.Tests.Common.Live;

/// <summary>
/// Debian's etcd-server (3.4) as a one-member cluster on loopback, in a data directory of its own, for one test; it can
/// be killed and started again on the same data and ports (an etcd restart).
/// </summary>
public sealed class EtcdProcess : IDisposable
{
    private readonly DirectoryInfo _data;
    private readonly int _peerPort;
    private Process? _process;

    private EtcdProcess(DirectoryInfo data, int clientPort, int peerPort)
    {
        _data = data;
        ClientPort = clientPort;
        _peerPort = peerPort;
    }

    public int ClientPort { get; }
    public string Address => $"127.0.0.1:{ClientPort}";

    public static async Task<EtcdProcess> StartAsync()
    {
        if (!File.Exists("/usr/bin/etcd"))
            throw new InvalidOperationException("/usr/bin/etcd is missing: run `apt-get install -y --no-install-recommends etcd-server` (or `make deps`)");
        var etcd = new EtcdProcess(Directory.CreateTempSubdirectory("offload-etcd-"), FreePorts.Next(), FreePorts.Next());
        try
        {
            await etcd.RestartAsync();
            return etcd;
        }
        catch
        {
            etcd.Dispose();
            throw;
        }
    }

    /// <summary>Starts etcd (again) on its data directory and waits until it listens.</summary>
    public async Task RestartAsync()
    {
        var (client, peer) = (ClientPort, _peerPort);
        var info = new ProcessStartInfo("/usr/bin/etcd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--name", "t", "--data-dir", _data.FullName, "--listen-client-urls", $"http://127.0.0.1:{client}",
                     "--advertise-client-urls", $"http://127.0.0.1:{client}", "--listen-peer-urls", $"http://127.0.0.1:{peer}",
                     "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}", "--initial-cluster", $"t=http://127.0.0.1:{peer}" })
            info.ArgumentList.Add(a);
        var process = _process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var until = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", client);
                return;
            }
            catch (SocketException) when (until.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"etcd did not listen on {client} within 20 s");
            }
        }
    }

    /// <summary>SIGKILL, as a crash: its data stays for <see cref="RestartAsync"/>.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        _data.Delete(recursive: true);
    }
}
