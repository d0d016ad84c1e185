using System.Security.Cryptography;
using System.Text;
using Offload.Controller.Configuration;

namespace Offload.Controller.Cluster;

/// <summary>A configuration as controllers exchange it: its file's text, version and SHA-256.</summary>
public sealed record ConfigEnvelope(long Version, string Checksum, string Name, string Yaml);

/// <summary>A configuration this controller holds: active (running) or pending (received, not activated).</summary>
public sealed record ConfigRevision(long Version, string Checksum, string Name, DateTimeOffset Since, OffloadConfig Config, string Yaml);

/// <summary>
/// Cluster configuration (seed 002): one controller is the configuration master, the others follow it. A follower
/// takes the master's configuration as pending when its checksum holds and its version is newer than the active one,
/// and runs it only when activated. The local parts stay local: this controller's own section (name, peers, master)
/// and its election id on each switch. Versions only go up: an older one, or the same version with other content,
/// is refused, on the master's own apply as on a follower.
/// </summary>
public sealed class ClusterConfiguration(OffloadConfig config, string yaml, string name, Func<string, bool> isKnownAlgorithm, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly object _gate = new();
    private ConfigRevision _active = Revision(config, yaml, name, (time ?? TimeProvider.System).GetUtcNow());
    private ConfigRevision? _pending;

    public ConfigRevision Active { get { lock (_gate) return _active; } }
    public ConfigRevision? Pending { get { lock (_gate) return _pending; } }
    public string? LastRefusal { get; private set; }

    /// <summary>The admin endpoint this controller takes its configuration from; null on the master.</summary>
    public string? Master => Active.Config.Controller.ConfigMaster;

    public ConfigEnvelope Envelope()
    {
        var active = Active;
        return new ConfigEnvelope(active.Version, active.Checksum, active.Name, active.Yaml);
    }

    public static string Checksum(string yaml) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));

    /// <summary>Refuses a configuration older than the active one, or of the same version with other content.</summary>
    /// <exception cref="ConfigException">the version is stale</exception>
    public void CheckNewer(OffloadConfig proposed, string yaml)
    {
        var active = Active;
        if (Refusal(proposed.Controller.ConfigVersion, Checksum(yaml), active) is { } refusal)
            throw new ConfigException([refusal]);
    }

    public void Activated(OffloadConfig config, string yaml, string name)
    {
        lock (_gate)
        {
            _active = Revision(config, yaml, name, _time.GetUtcNow());
            if (_pending is { } pending && pending.Version <= _active.Version)
                _pending = null;
        }
    }

    /// <summary>What a follower makes of the master's configuration: true when it became pending.</summary>
    public bool Offer(ConfigEnvelope envelope)
    {
        string? refusal;
        if (Checksum(envelope.Yaml) != envelope.Checksum)
            refusal = $"version {envelope.Version} from the master: checksum {envelope.Checksum[..Math.Min(12, envelope.Checksum.Length)]}… does not match its content";
        else if (Pending is { } pending && pending.Version == envelope.Version && pending.Checksum == envelope.Checksum
                 || Active.Checksum == envelope.Checksum)
        {
            LastRefusal = null;
            return false;
        }
        else
            refusal = Refusal(envelope.Version, envelope.Checksum, Active);
        if (refusal is null)
        {
            try
            {
                var remote = ConfigLoader.Load(envelope.Yaml, envelope.Name, isKnownAlgorithm);
                lock (_gate)
                    _pending = Revision(Localize(remote), envelope.Yaml, envelope.Name, _time.GetUtcNow());
                LastRefusal = null;
                return true;
            }
            catch (ConfigException ex)
            {
                refusal = $"version {envelope.Version} from the master does not load here: {string.Join("; ", ex.Errors)}";
            }
        }
        LastRefusal = refusal;
        return false;
    }

    /// <exception cref="ConfigException">nothing is pending</exception>
    public ConfigRevision PendingOrThrow() => Pending ?? throw new ConfigException(["no pending configuration to activate"]);

    // The master's configuration with this controller's own section and election ids.
    private OffloadConfig Localize(OffloadConfig remote)
    {
        var local = Active.Config;
        return remote with
        {
            Controller = local.Controller with { ConfigVersion = remote.Controller.ConfigVersion },
            Switches = remote.Switches.Select(s => local.Switches.FirstOrDefault(l => l.Name == s.Name) is { } mine ? s with { ElectionId = mine.ElectionId } : s).ToList(),
        };
    }

    private static string? Refusal(long version, string checksum, ConfigRevision active)
    {
        if (version < active.Version)
            return $"version {version} is older than the active version {active.Version}";
        if (version == active.Version && checksum != active.Checksum && (version > 0 || active.Version > 0))
            return $"version {version} is the active version with other content: raise controller.config_version";
        return null;
    }

    private static ConfigRevision Revision(OffloadConfig config, string yaml, string name, DateTimeOffset since) =>
        new(config.Controller.ConfigVersion, Checksum(yaml), name, since, config, yaml);
}
