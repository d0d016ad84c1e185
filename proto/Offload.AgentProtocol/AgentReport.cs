using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.AgentProtocol;

/// <summary>The states the seeds name for a watched service, as they appear on the wire.</summary>
public static class ServiceStates
{
    public const string Running = "RUNNING";
    public const string NotRunning = "NOT RUNNING";
    public const string Starting = "STARTING";

    public static bool IsKnown(string state) => state is Running or NotRunning or Starting;
}

/// <summary>One watched service: its state from its PID file, why, and how often the agent restarted it.</summary>
public sealed record ServiceReport(string Name, string State, int? Pid, string Detail, int Restarts, double SecondsInState);

/// <summary>The host's load: CPU busy and memory used (fractions of 1) and established TCP connections to the watched services' ports.</summary>
public sealed record LoadReport(double Cpu, double Memory, int Connections);

/// <summary>
/// What a node agent says, polled (GET /status) or pushed (POST to the controller's /api/agent-reports).
/// <see cref="Agent"/> is the endpoint a controller's configuration names the agent by.
/// </summary>
public sealed record AgentReport(string Agent, string Host, DateTimeOffset At, ServiceReport[] Services, LoadReport Load)
{
    /// <summary>Reads a report, refusing what is not one (missing fields, unknown states, loads out of range).</summary>
    public static AgentReport Parse(ReadOnlySpan<byte> json)
    {
        AgentReport? report;
        try
        {
            report = JsonSerializer.Deserialize(json, AgentJson.Default.AgentReport);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not an agent report: {ex.Message}", ex);
        }
        if (report is null || report.Agent is null || report.Services is null || report.Load is null)
            throw new FormatException("not an agent report: agent, services and load are required");
        foreach (var service in report.Services)
        {
            if (service?.Name is null || service.State is null || !ServiceStates.IsKnown(service.State))
                throw new FormatException($"service '{service?.Name}': state '{service?.State}' is not RUNNING, NOT RUNNING or STARTING");
        }
        if (report.Load.Cpu is < 0 or > 1 || report.Load.Memory is < 0 or > 1 || report.Load.Connections < 0
            || !double.IsFinite(report.Load.Cpu) || !double.IsFinite(report.Load.Memory))
            throw new FormatException("load: cpu and memory are fractions from 0 to 1 and connections is not negative");
        return report;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, AgentJson.Default.AgentReport);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentReport))]
public sealed partial class AgentJson : JsonSerializerContext;
