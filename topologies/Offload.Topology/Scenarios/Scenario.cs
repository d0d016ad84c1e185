using System.Text;
using Offload.Topology.Running;

namespace Offload.Topology.Scenarios;

/// <summary>A scripted topology test: it drives a running topology and checks what real traffic did.</summary>
public interface IScenario
{
    string Name { get; }
    string Description { get; }
    Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken);
}

public static class ScenarioExtensions
{
    public static Task<ScenarioResult> RunAsync(this IScenario scenario, TopologyRun run, Action<string> log, CancellationToken cancellationToken) =>
        scenario.RunAsync(new ScenarioContext(run, log), cancellationToken);
}

/// <summary>A scenario's checks (each passed or not, with what was measured) and its figures.</summary>
public sealed class ScenarioResult(string scenario)
{
    private readonly List<(string Check, bool Passed, string Detail)> _checks = [];

    public string Scenario { get; } = scenario;
    public IReadOnlyList<(string Check, bool Passed, string Detail)> Checks => _checks;
    public Dictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);
    public bool Passed => _checks.Count > 0 && _checks.All(c => c.Passed);

    public bool Check(string check, bool passed, string detail)
    {
        _checks.Add((check, passed, detail));
        return passed;
    }

    public string Summary()
    {
        var text = new StringBuilder($"scenario {Scenario}: {(Passed ? "PASSED" : "FAILED")}\n");
        var width = Math.Max(5, _checks.Count == 0 ? 5 : _checks.Max(c => c.Check.Length));
        text.AppendLine($"  {"check".PadRight(width)}  result  measured");
        foreach (var (check, passed, detail) in _checks)
            text.AppendLine($"  {check.PadRight(width)}  {(passed ? "ok  " : "FAIL")}    {detail}");
        foreach (var (name, value) in Figures)
            text.AppendLine($"  {name}: {value:0.###}");
        return text.ToString();
    }
}

public static class ScenarioCatalog
{
    public static readonly IReadOnlyList<IScenario> All =
    [
        new SpreadScenario(), new FailoverScenario(), new PoolChangeScenario(), new AclScenario(), new ControllerRestartScenario(),
        new DistributionScenario(), new Ipv6Scenario(), new ControllerFailoverScenario(), new SwitchFailoverScenario(), new UplinkFailoverScenario(), new EtcdRestartScenario(), new MultiplexScenario(), new DemoScenario(),
    ];

    public static IEnumerable<string> Names => All.Select(s => s.Name);

    public static IScenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
