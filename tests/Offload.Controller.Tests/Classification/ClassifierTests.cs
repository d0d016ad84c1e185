using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.LoadBalancing;
using Offload.Controller.Plumbing;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Classification;

/// <summary>The classifier: the VIP's algorithm, and source-IP affinity on top of it.</summary>
public sealed class ClassifierTests
{
    private static readonly LoadBalancingPolicyRegistry Policies = new();

    private static OffloadConfig Config(string affinity) => ConfigLoader.Load(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml"))
            .Replace("mode: dataplane_select", "mode: controller_classify")
            .Replace("algorithm: maglev", "algorithm: round_robin")
            .Replace("affinity: none", $"affinity: {affinity}"),
        "classifier.yaml", n => Policies.TryGet(n, out _));

    private static Connection Flow(uint client, ushort port) => new(4, client, 0x0a006401, 6, port, 80, 1, 0);

    [Fact]
    public void NoAffinity_RoundRobinPerConnection()
    {
        var classifier = new Classifier(Config("none"), Policies);
        var picks = Enumerable.Range(0, 3).Select(i => classifier.Classify(Flow(0x0a000002, (ushort)(40000 + i)))!.BackendId).ToList();
        Assert.Equal(3, picks.Distinct().Count());
    }

    [Fact]
    public void SourceIpAffinity_ClientStays_UntilTimeoutOrDrain()
    {
        var time = new ManualTime();
        var config = Config("source_ip");
        var classifier = new Classifier(config, Policies, time, TimeSpan.FromMinutes(10));
        var first = classifier.Classify(Flow(0x0a000002, 40000))!.BackendId;
        Assert.All(Enumerable.Range(1, 5), i => Assert.Equal(first, classifier.Classify(Flow(0x0a000002, (ushort)(40000 + i)))!.BackendId));
        Assert.NotEqual(first, classifier.Classify(Flow(0x0a000003, 40000))!.BackendId);

        time.Ticks += TimeSpan.FromMinutes(11).Ticks;
        var afterTimeout = Enumerable.Range(0, 3).Select(i => classifier.Classify(Flow(0x0a000002, (ushort)(41000 + i)))!.BackendId).ToList();
        Assert.Single(afterTimeout.Distinct());

        var drained = afterTimeout[0];
        classifier.Update(config with { Backends = config.Backends.Select(b => b.Id == drained ? b with { Weight = 0 } : b).ToList() });
        Assert.NotEqual(drained, classifier.Classify(Flow(0x0a000002, 42000))!.BackendId);
    }

    [Fact]
    public void Affinity_OnADataplaneVip_Refused()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "offload.example.yaml")).Replace("affinity: none", "affinity: source_ip"),
            "affinity.yaml", n => Policies.TryGet(n, out _)));
        Assert.Contains(error.Errors, e => e.Contains("affinity needs mode controller_classify"));
    }

    // The classifier half of TLS-session affinity; the switch half (holding a connection until its first data) is delayed binding.
    [Fact]
    public void TlsSessionAffinity_FirstDataNamesTheSession_ThatSessionStays()
    {
        var config = Config("none");
        config = config with { Vips = [config.Vips[0] with { Affinity = Affinity.TlsSession }] };
        var classifier = new Classifier(config, Policies);
        static byte[] Hello(byte id)
        {
            byte[] body = [0x03, 0x03, .. new byte[32], 4, id, id, id, id, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
            return [0x16, 0x03, 0x01, 0, (byte)(body.Length + 4), 0x01, 0, 0, (byte)body.Length, .. body];
        }
        var first = classifier.Classify(Flow(0x0a000002, 40000), Hello(7))!.BackendId;
        Assert.All(Enumerable.Range(1, 4), i => Assert.Equal(first, classifier.Classify(Flow((uint)(0x0a000010 + i), (ushort)(40000 + i)), Hello(7))!.BackendId));
        Assert.NotEqual(first, classifier.Classify(Flow(0x0a000002, 41000), Hello(8))!.BackendId);
        Assert.Equal(2, classifier.Sessions.Count);
    }
}
