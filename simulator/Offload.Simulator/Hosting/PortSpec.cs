namespace Offload.Simulator.Hosting;

/// <summary>One -i PORT@IFACE flag, as simple_switch takes it.</summary>
internal sealed record PortSpec(uint Port, string Interface)
{
    public static PortSpec Parse(string text, uint cpuPort)
    {
        var at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            throw new FormatException($"-i {text}: expected PORT@IFACE, e.g. 1@veth1");
        if (!uint.TryParse(text.AsSpan(0, at), out var port) || port == 0 || port >= 511)
            throw new FormatException($"-i {text}: port must be 1..510");
        if (port == cpuPort)
            throw new FormatException($"-i {text}: port {port} is the CPU port");
        var name = text[(at + 1)..];
        if (name.Length > 15 || name.Contains('/') || name.Any(char.IsWhiteSpace))
            throw new FormatException($"-i {text}: '{name}' is not an interface name");
        return new PortSpec(port, name);
    }
}
