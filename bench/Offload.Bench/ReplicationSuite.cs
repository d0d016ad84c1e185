using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Cluster;
using Offload.Controller.Plumbing;
using Offload.Controller.Sessions;
using Offload.Grpc.Client;
using Offload.Tests.Common.Live;

namespace Offload.Bench;

/// <summary>
/// `bench replication`: the connection table replicated to a real etcd (Debian's etcd-server, one member, on tmpfs if
/// /tmp is): how many connections per second it writes (transactions of up to 128 changes), and what a record costs
/// in etcd. Baseline in the same run: one Put per connection, the way a naive replication would write.
/// </summary>
internal static class ReplicationSuite
{
    private const int Connections = 20_000, Unbatched = 2_000;

    public static async Task RunAsync()
    {
        Console.WriteLine($"== replication: {Connections} connections into etcd through the replicated table, against {Unbatched} single Puts");
        if (!File.Exists("/usr/bin/etcd"))
        {
            Console.WriteLine("  skipped: needs /usr/bin/etcd (make deps installs etcd-server)");
            return;
        }
        using var server = await EtcdProcess.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        var etcd = new EtcdClient(channel);
        using var http = new HttpClient();
        var before = await DbSizeInUseAsync(http, server.Address);

        // Baseline: one Put per connection, each awaited.
        var single = Stopwatch.StartNew();
        for (var i = 0; i < Unbatched; i++)
        {
            var (key, value) = ReplicatedConnectionTable.Format(Key(i), new TrackedConnection(1, 1, 0, 0));
            await etcd.WriteAsync([EtcdClient.Put($"/bench/single/{key}", ByteString.CopyFromUtf8(value), 0)]);
        }
        var singleRate = Unbatched / single.Elapsed.TotalSeconds;
        await etcd.DeletePrefixAsync("/bench/single/");

        await using var table = new ReplicatedConnectionTable(etcd, "bench", TimeSpan.FromMinutes(5), NullLogger.Instance);
        table.Start();
        var batched = Stopwatch.StartNew();
        for (var i = 0; i < Connections; i++)
            table.Open(Key(i), 1, 1 + i % 3);
        while (table.Pending > 0 || table.Written < Connections)
            await Task.Delay(5);
        var batchedRate = Connections / batched.Elapsed.TotalSeconds;
        var after = await DbSizeInUseAsync(http, server.Address);
        var (sampleKey, sampleValue) = ReplicatedConnectionTable.Format(Key(12345), new TrackedConnection(1, 2, 1_700_000_000_000, 1_700_000_000_000));
        var recordBytes = table.Prefix.Length + sampleKey.Length + sampleValue.Length;

        Console.WriteLine();
        Console.WriteLine($"{"",-40} {"connections/s",14} {"× single Puts",14}");
        Console.WriteLine(new string('-', 70));
        Console.WriteLine($"{"single Put per connection (baseline)",-40} {singleRate,14:F0} {1.0,14:F2}");
        Console.WriteLine($"{"replicated table (128 per transaction)",-40} {batchedRate,14:F0} {batchedRate / singleRate,14:F2}");
        Console.WriteLine();
        Console.WriteLine($"a record: {recordBytes} bytes of key and value, e.g. {table.Prefix}{sampleKey} = \"{sampleValue}\"");
        if (before is { } b && after is { } a)
            Console.WriteLine($"etcd's database in use grew by {(a - b) / (double)Connections:F0} bytes per connection ({(a - b) / 1048576.0:F1} MiB for {Connections})");
    }

    private static ConnectionKey Key(int i) =>
        new(4, Addresses.ToNumber(System.Net.IPAddress.Parse("198.18.0.2")) + (UInt128)(i / 50_000), Addresses.ToNumber(System.Net.IPAddress.Parse("198.18.100.1")), 6,
            (ushort)(1024 + i % 50_000), 80);

    // etcd's own gauge of the bytes its database holds (its /metrics on the client port).
    private static async Task<long?> DbSizeInUseAsync(HttpClient http, string address)
    {
        var metrics = await http.GetStringAsync($"http://{address}/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("etcd_mvcc_db_total_size_in_use_in_bytes ", StringComparison.Ordinal));
        return line is null ? null : (long)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }
}
