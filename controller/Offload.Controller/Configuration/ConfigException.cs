namespace Offload.Controller.Configuration;

/// <summary>Every problem found in a configuration, each as "file:line: path: what is wrong".</summary>
public sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception($"{errors.Count} configuration error(s):\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
