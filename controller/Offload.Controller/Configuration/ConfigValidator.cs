using System.Net.Sockets;

namespace Offload.Controller.Configuration;

/// <summary>What no single record can check: unique names, references between sections, address families.</summary>
internal static class ConfigValidator
{
    public static void Validate(OffloadConfig config, List<string> errors)
    {
        Unique(config.Switches, s => s.Name, s => s.Location, "switch", errors);
        Unique(config.Switches, s => $"{s.Address}/{s.DeviceId}", s => s.Location, "switch address and device id", errors);
        foreach (var sw in config.Switches.Where(s => s.Uplinks.Count > 0 && s.Group is null))
            errors.Add($"{sw.Location}: switch {sw.Name}: uplinks tell its own failures from its peers' in an active/standby group, and it has no standby");
        foreach (var sw in config.Switches.Where(s => s.Group is { } g && g.Members[0] == s.Name))
        {
            var macs = config.Switches.Where(m => m.Group == sw.Group).Select(m => m.RouterMac).Concat(config.Vips.Select(v => v.Vmac));
            if (macs.Contains(sw.Group!.VirtualMac, StringComparer.OrdinalIgnoreCase))
                errors.Add($"{sw.Location}: switch {sw.Name}: virtual_mac {sw.Group.VirtualMac} is a router MAC or a VIP's MAC too; it must be the group's own");
            foreach (var uplink in sw.Uplinks.Where(u => !sw.Interfaces.Any(i => i.Port == u.Port && i.Subnet.Contains(u.Neighbor))))
                errors.Add($"{sw.Location}: switch {sw.Name}: uplink neighbor {uplink.Neighbor} is on no interface of port {uplink.Port}");
        }
        Unique(config.Backends, b => b.Name, b => b.Location, "backend", errors);
        Unique(config.Vips, v => v.Name, v => v.Location, "VIP", errors);
        Unique(config.Vips, v => $"{v.Address}/{v.Protocol}/{v.Port}", v => v.Location, "VIP address, protocol and port", errors);
        Unique(config.Acl, r => r.Name, r => r.Location, "ACL rule", errors);
        Unique(config.Applications, a => a.Name, a => a.Location, "application", errors);
        Unique(config.HealthChecks, c => c.Name, c => c.Location, "health check", errors);
        var applications = config.Applications.Select(a => a.Name).ToHashSet();
        var checks = config.HealthChecks.Select(c => c.Name).ToHashSet();
        foreach (var backend in config.Backends.Where(b => b.HealthCheck is { } name && !checks.Contains(name)))
            errors.Add($"{backend.Location}: backend {backend.Name}: health_check names unknown health check '{backend.HealthCheck}'"
                       + (checks.Count > 0 ? $"; known: {string.Join(", ", checks.Order(StringComparer.Ordinal))}" : "; add it under health_checks"));
        foreach (var check in config.HealthChecks.Where(c => c.WeightFromLoad))
        {
            foreach (var backend in config.Backends.Where(b => b.HealthCheck == check.Name && b.Agent is null))
                errors.Add($"{backend.Location}: backend {backend.Name}: health check {check.Name} takes weights from load, which needs the backend's agent");
        }

        var backends = config.Backends.Where(b => b.Name.Length > 0).GroupBy(b => b.Name).ToDictionary(g => g.Key, g => g.First());
        foreach (var vip in config.Vips)
        {
            foreach (var name in vip.Pool)
            {
                if (!backends.TryGetValue(name, out var backend))
                    errors.Add($"{vip.Location}: VIP {vip.Name}: pool names unknown backend '{name}'");
                else if (backend.Address.AddressFamily != vip.Address.AddressFamily)
                    errors.Add($"{vip.Location}: VIP {vip.Name}: backend {name} is {Family(backend.Address.AddressFamily)} but the VIP is {Family(vip.Address.AddressFamily)}");
            }
            if (vip.Affinity != Affinity.None && vip.Mode is not (VipMode.ControllerClassify or VipMode.Multiplex))
                errors.Add($"{vip.Location}: VIP {vip.Name}: affinity needs mode controller_classify (the switch's selector hashes the whole 5-tuple)");
            if (vip.DenySources.Count > 0 && vip.Mode is not (VipMode.ControllerClassify or VipMode.Multiplex))
                errors.Add($"{vip.Location}: VIP {vip.Name}: deny_sources is checked by the controller and needs mode controller_classify (or use an acl rule)");
            if (vip.Affinity == Affinity.TlsSession && vip.Mode != VipMode.Multiplex)
                errors.Add($"{vip.Location}: VIP {vip.Name}: affinity tls_session needs mode multiplex (the session ID is in the connection's first payload, which only a multiplex VIP reads)");
            foreach (var name in vip.DeliverTo.Where(n => !applications.Contains(n)))
                errors.Add($"{vip.Location}: VIP {vip.Name}: deliver_to names unknown application '{name}'");
            foreach (var app in config.Applications.Where(a => vip.DeliverTo.Contains(a.Name) && a.Address is not null
                                                               && a.Address.AddressFamily != vip.Address.AddressFamily))
                errors.Add($"{vip.Location}: VIP {vip.Name}: application {app.Name}'s address is {Family(app.Address!.AddressFamily)} but the VIP is {Family(vip.Address.AddressFamily)}");
            // A multiplex VIP's backends answer a connection the controller opened: their replies are punted until it is spliced.
            foreach (var backend in vip.Pool.Where(n => vip.Mode == VipMode.Multiplex && backends.ContainsKey(n)).Select(n => backends[n]))
            {
                if (backend.DirectAccess)
                    errors.Add($"{vip.Location}: VIP {vip.Name}: backend {backend.Name} has direct_access, but a multiplex VIP's backends reply only through the switch's splice");
                foreach (var other in config.Vips.Where(o => o != vip && o.Pool.Any(n => backends.TryGetValue(n, out var b)
                             && b.Address.Equals(backend.Address) && b.Port == backend.Port)))
                    errors.Add($"{vip.Location}: VIP {vip.Name}: backend {backend.Name} ({backend.Address}:{backend.Port}) also serves VIP {other.Name}: a multiplex VIP's backend endpoints must be its own");
            }
            if (vip.Pool.Distinct().Count() != vip.Pool.Count && vip.Mode != VipMode.Multiplex)
                errors.Add($"{vip.Location}: VIP {vip.Name}: a backend appears twice in the pool; use its weight");
        }
    }

    private static void Unique<T>(IEnumerable<T> items, Func<T, string> key, Func<T, ConfigLocation> where, string what, List<string> errors)
    {
        foreach (var group in items.Where(i => key(i).Length > 0).GroupBy(key).Where(g => g.Count() > 1))
            errors.Add($"{where(group.Skip(1).First())}: {what} '{group.Key}' is defined twice (first at line {where(group.First()).Line})");
    }

    private static string Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
