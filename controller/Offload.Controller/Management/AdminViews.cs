using System.Text.Json.Serialization;

namespace Offload.Controller.Management;

public sealed record SwitchView(string Name, string State, int Connections, double NewPerSecond, double? WriteP50Ms, double? WriteP99Ms,
    long DigestBacklog, long WriteBacklog, string LastReconcile, string Role, ReplicationView? Replication, long Spliced);

/// <summary>The connection table's replication to etcd: records written, changes waiting, failed writes.</summary>
public sealed record ReplicationView(bool Active, long Written, int Pending, long Failures);

/// <summary>An active/standby group: its members in order, the active one, and every change of the active one.</summary>
public sealed record GroupView(string Name, string[] Members, string? Active, TakeoverView[] Takeovers);

public sealed record TakeoverView(string? From, string To, string Reason, DateTimeOffset At, double TookMs);

public sealed record StatusView(SwitchView[] Switches, int Vips, int Backends, int Connections);

public sealed record VipView(int Id, string Name, string Address, string Protocol, ushort Port, string Mode, string Algorithm, string[] Pool);

/// <summary>
/// A backend: <c>State</c> says whether it takes new connections and why not (drained, held down, recovering, its
/// agent's report, its port); <c>Weight</c> is the weight in force, <c>ConfiguredWeight</c> the file's.
/// </summary>
public sealed record BackendView(int Id, string Name, string Address, ushort Port, string State, string Health, double? SecondsInState,
    int Weight, int ConfiguredWeight, long ActiveConnections, string? Check, string? LastProbes, string? Reason, string? Agent,
    double? Cpu, double? Memory);

public sealed record ProbeView(string At, bool Up, string Detail, double Milliseconds);

public sealed record HealthView(string Backend, string? Check, string State, double SecondsInState, string Reason, bool Selectable,
    ProbeView[] RecentProbes, int? ScriptWeight, string? Agent, string? AgentError, double? Cpu, double? Memory, int? AgentConnections,
    string? LinkDown);

public sealed record AgentReportAccepted(int Backends);

public sealed record ApplyView(string[] Results, string[] Errors);

public sealed record ConnectionView(string Switch, string Client, string Vip, string Protocol, string Backend, double AgeSeconds,
    long? Packets, long? Bytes, double? IdleSeconds);

public sealed record ApplicationView(int Id, string Name, uint SwitchPort, string? Address, string[] Vips, long Packets, long Bytes);

public sealed record ConnectionsView(int Total, int Offset, ConnectionView[] Connections);

public sealed record ConfigRevisionView(long Version, string Checksum, string Name, DateTimeOffset Since);

/// <param name="Role">master (its own file) or follower (the master's configuration, activated by hand)</param>
public sealed record ConfigStatusView(string Role, string? Master, ConfigRevisionView Active, ConfigRevisionView? Pending, string? LastRefusal);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(SwitchView[]))]
[JsonSerializable(typeof(GroupView[]))]
[JsonSerializable(typeof(VipView[]))]
[JsonSerializable(typeof(BackendView[]))]
[JsonSerializable(typeof(ApplyView))]
[JsonSerializable(typeof(ConnectionsView))]
[JsonSerializable(typeof(ApplicationView[]))]
[JsonSerializable(typeof(HealthView[]))]
[JsonSerializable(typeof(AgentReportAccepted))]
[JsonSerializable(typeof(Offload.Controller.Cluster.ConfigEnvelope))]
[JsonSerializable(typeof(ConfigStatusView))]
public sealed partial class AdminJson : JsonSerializerContext;
