using P4.Config.V1;
using Prefix = P4.Config.V1.P4Ids.Types.Prefix;

namespace Offload.P4Runtime.Schema;

/// <summary>
/// p4c's ID assignment: the resource type in the top byte, and in the low 24 bits either the
/// @id annotation or the Jenkins one-at-a-time hash of the fully-qualified name.
/// </summary>
public static class P4IdAllocation
{
    public static uint JenkinsOneAtATime(string name)
    {
        uint hash = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            hash += b;
            hash += hash << 10;
            hash ^= hash >> 6;
        }
        hash += hash << 3;
        hash ^= hash >> 11;
        hash += hash << 15;
        return hash;
    }

    public static uint Compose(Prefix prefix, uint suffix) => ((uint)prefix << 24) | (suffix & 0xffffff);

    public static uint FromName(Prefix prefix, string name) => Compose(prefix, JenkinsOneAtATime(name));

    public static Prefix PrefixOf(uint id) => (Prefix)(id >> 24);

    /// <summary>The value of an @id(N) annotation, if the object has one.</summary>
    public static uint? AnnotatedId(Preamble preamble)
    {
        foreach (var annotation in preamble.Annotations)
        {
            var a = annotation.Trim();
            if (!a.StartsWith("@id(", StringComparison.Ordinal) || !a.EndsWith(')'))
                continue;
            var body = a[4..^1].Trim();
            var ok = body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(body[2..], System.Globalization.NumberStyles.HexNumber, null, out var hex) ? (uint?)hex : null
                : uint.TryParse(body, out var dec) ? dec : null;
            return ok ?? throw new P4InfoException($"{preamble.Name}: malformed annotation '{annotation}'");
        }
        return null;
    }
}
