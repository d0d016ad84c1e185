namespace Offload.Simulator.Hosting;

/// <summary>One -i PORT@IFACE flag, as simple_switch takes it (or --replay PORT@FILE).</summary>
internal sealed record PortSpec(uint Port, string Interface)
{
    public static PortSpec Parse(string text, uint cpuPort, string flag = "-i", string form = "PORT@IFACE")
    {
        var at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            throw new FormatException($"{flag} {text}: expected {form}, e.g. 1@{(flag == "-i" ? "veth1" : "in.pcap")}");
        if (!uint.TryParse(text.AsSpan(0, at), out var port) || port == 0 || port >= 511)
            throw new FormatException($"{flag} {text}: port must be 1..510");
        if (port == cpuPort)
            throw new FormatException($"{flag} {text}: port {port} is the CPU port");
        var name = text[(at + 1)..];
        if (flag == "-i" && (name.Length > 15 || name.Contains('/') || name.Any(char.IsWhiteSpace)))
            throw new FormatException($"{flag} {text}: '{name}' is not an interface name");
        return new PortSpec(port, name);
    }
}
