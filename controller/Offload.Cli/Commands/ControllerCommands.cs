using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Offload.Cli.Commands;

/// <summary>`offloadctl status | vips | backends | connections | applications | watch` and the changes: offload-controller's admin API, as tables or JSON.</summary>
internal static class ControllerCommands
{
    private static readonly Option<string> Controller = AdminClient.Controller;
    private static readonly Option<double> Timeout = AdminClient.Timeout;

    private static readonly Option<bool> Json = new("--json") { Description = "print the API's JSON instead of a table" };

    public static IEnumerable<Command> Create() =>
    [
        Command("status", "the controller's switches and totals", "/api/status", Status),
        Command("switches", "the controller's switches: primary or not, active or standby, connections, write latency, backlogs", "/api/switches", Switches),
        Command("groups", "active/standby groups of switches: the members, the active one, every takeover", "/api/groups", Groups),
        Command("vips", "the configured VIPs", "/api/vips", Vips),
        Command("peers", "peer controllers' health tables cached here: checksum, records held down, when last heard", "/api/health/peers", Peers),
        Command("backends", "backends: state, health and time in it, weight in force and configured, connections, last probes (+ up, - down, oldest first), agent and load", "/api/backends", Backends),
        Connections(),
        Command("applications", "applications services are delivered to, with what the switches sent them", "/api/applications", Applications),
        Watch(),
        Apply(),
        Change("drain", "no new connections to a backend; its connections stay until they end", n => $"/api/backends/{n}/drain"),
        Change("undrain", "back to the backend's configured weight", n => $"/api/backends/{n}/undrain"),
        SetWeight(),
        Config(),
    ];

    // Cluster configuration: which configuration runs here, which is pending from the master, and activating it.
    private static Command Config()
    {
        var status = new Command("status", "master or follower, the active configuration (version, checksum) and any pending one") { Controller, Timeout, Json };
        status.SetAction((parse, ct) => CliErrors.Guard(() => GetAsync(AdminClient.From(parse), "/api/config/status", parse.GetValue(Json), body =>
        {
            var table = Table("", "version", "checksum", "file", "since");
            void Row(string label, JsonElement revision) => table.AddRow(label, Text(revision, "version"), Text(revision, "checksum")[..12] + "…",
                Text(revision, "name"), Text(revision, "since"));
            Row("active", body.GetProperty("active"));
            if (body.GetProperty("pending").ValueKind == JsonValueKind.Object)
                Row("pending", body.GetProperty("pending"));
            AnsiConsole.WriteLine(body.GetProperty("role").GetString() == "master"
                ? "configuration master: runs its own file"
                : $"follows the configuration of {Text(body, "master")}");
            AnsiConsole.Write(table);
            if (body.GetProperty("last_refusal").ValueKind == JsonValueKind.String)
                AnsiConsole.WriteLine($"refused: {body.GetProperty("last_refusal").GetString()}");
        }, ct)));
        var diff = new Command("diff", "what activating the pending configuration would change (+ added, - removed, ~ changed)") { Controller, Timeout };
        diff.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            foreach (var line in (await AdminClient.From(parse).GetAsync("/api/config/diff", ct)).GetProperty("results").EnumerateArray())
                Console.WriteLine(line.GetString());
            return 0;
        }));
        var activate = new Command("activate", "run the pending configuration received from the master") { Controller, Timeout };
        activate.SetAction((parse, ct) => CliErrors.Guard(() => PostAsync(AdminClient.From(parse), "/api/config/activate", null, ct)));
        return new Command("config", "cluster configuration: status, diff, activate") { status, diff, activate };
    }

    private static Command Connections()
    {
        var vip = new Option<string?>("--vip") { Description = "only this VIP's connections" };
        var backend = new Option<string?>("--backend") { Description = "only connections pinned to this backend" };
        var page = new Option<int>("--page") { Description = "which page (from 1)", DefaultValueFactory = _ => 1 };
        var perPage = new Option<int>("--per-page") { Description = "rows per page (1-10000)", DefaultValueFactory = _ => 50 };
        var live = new Option<bool>("--live") { Description = "ask the switches for each row's packets, bytes and idle time" };
        var command = new Command("connections", "pinned connections, by VIP or backend, a page at a time") { vip, backend, page, perPage, live, Controller, Timeout, Json };
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var (pageNumber, size) = (parse.GetValue(page), parse.GetValue(perPage));
            if (pageNumber < 1 || size is < 1 or > 10_000)
                throw new ArgumentException("--page must be at least 1 and --per-page 1 to 10000");
            var query = $"/api/connections?offset={(pageNumber - 1) * size}&limit={size}"
                + (parse.GetValue(vip) is { } v ? $"&vip={Uri.EscapeDataString(v)}" : "")
                + (parse.GetValue(backend) is { } b ? $"&backend={Uri.EscapeDataString(b)}" : "")
                + (parse.GetValue(live) ? "&live=true" : "");
            return await GetAsync(AdminClient.From(parse), query, parse.GetValue(Json), body =>
            {
                var table = Table("switch", "client", "vip", "protocol", "backend", "age s", "packets", "bytes", "idle s");
                foreach (var c in body.GetProperty("connections").EnumerateArray())
                    table.AddRow(Text(c, "switch"), Text(c, "client"), Text(c, "vip"), Text(c, "protocol"), Text(c, "backend"),
                        Number(c, "age_seconds", "F1"), Text(c, "packets"), Text(c, "bytes"), Number(c, "idle_seconds", "F1"));
                AnsiConsole.Write(table);
                var total = body.GetProperty("total").GetInt32();
                var first = body.GetProperty("offset").GetInt32();
                var shown = body.GetProperty("connections").GetArrayLength();
                AnsiConsole.WriteLine(shown == 0 ? $"no connections on this page ({total} in all)" : $"{first + 1}-{first + shown} of {total}");
            }, ct);
        }));
        return command;
    }

    private static readonly Argument<string> BackendName = new("backend") { Description = "the backend's name" };

    private static Command Watch()
    {
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Description = "stop after this many refreshes (0: until Ctrl-C)", DefaultValueFactory = _ => 0 };
        var command = new Command("watch", "switches and backends as a live table") { interval, count, Controller, Timeout };
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var (seconds, frames) = (parse.GetValue(interval), parse.GetValue(count));
            if (seconds is < 0.1 or > 3600 || frames < 0)
                throw new ArgumentException("--interval must be 0.1 to 3600 seconds and --count at least 0");
            var controller = AdminClient.From(parse);
            for (var frame = 1; !ct.IsCancellationRequested; frame++)
            {
                var status = await controller.GetAsync("/api/status", ct);
                var backends = await controller.GetAsync("/api/backends", ct);
                if (!CliOutput.Plain)
                    AnsiConsole.Clear();
                AnsiConsole.MarkupLine($"[bold]offload-controller {Markup.Escape(controller.Address)}[/]  {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz}");
                Status(status);
                Backends(backends);
                if (frames > 0 && frame >= frames)
                    break;
                await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
            }
            return 0;
        }));
        return command;
    }

    private static Command Apply()
    {
        var file = new Argument<FileInfo>("file") { Description = "a configuration file (docs/config.md)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print what would change (+ added, - removed, ~ changed) and change nothing" };
        var command = new Command("apply", "converge the controller and its switches to a configuration file; only the needed writes are made") { file, dryRun, Controller, Timeout };
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var path = parse.GetValue(file)!;
            using var content = new StringContent(await File.ReadAllTextAsync(path.FullName, ct));
            content.Headers.Add("X-Config-Name", path.Name);
            var dry = parse.GetValue(dryRun);
            return await PostAsync(AdminClient.From(parse), dry ? "/api/apply?dry_run=true" : "/api/apply", content, ct,
                dry ? $"no changes: {path.Name} is what the controller runs" : null);
        }));
        return command;
    }

    private static Command Change(string name, string description, Func<string, string> path)
    {
        var command = new Command(name, description) { BackendName, Controller, Timeout };
        command.SetAction((parse, ct) => CliErrors.Guard(() => PostAsync(AdminClient.From(parse), path(Uri.EscapeDataString(parse.GetValue(BackendName)!)), null, ct)));
        return command;
    }

    private static Command SetWeight()
    {
        var weight = new Argument<int>("weight") { Description = "the new weight (0 drains)" };
        var command = new Command("set-weight", "change a backend's weight; established connections are not moved") { BackendName, weight, Controller, Timeout };
        command.SetAction((parse, ct) => CliErrors.Guard(() => PostAsync(AdminClient.From(parse),
            $"/api/backends/{Uri.EscapeDataString(parse.GetValue(BackendName)!)}/weight/{parse.GetValue(weight)}", null, ct)));
        return command;
    }

    private static async Task<int> PostAsync(AdminClient controller, string path, HttpContent? content, CancellationToken ct, string? whenEmpty = null)
    {
        var (ok, body) = await controller.PostAsync(path, content, ct);
        var results = body.TryGetProperty("results", out var r) && r.ValueKind == JsonValueKind.Array ? r.EnumerateArray().Select(l => l.ToString()).ToList() : [];
        foreach (var line in results)
            Console.WriteLine(line);
        if (ok && results.Count == 0 && whenEmpty is not null)
            Console.WriteLine(whenEmpty);
        if (!ok)
            Console.Error.WriteLine($"offloadctl: {AdminClient.Errors(body)}");
        return ok ? 0 : 1;
    }

    private static Command Command(string name, string description, string path, Action<JsonElement> table)
    {
        var command = new Command(name, description) { Controller, Timeout, Json };
        command.SetAction((parse, cancellationToken) => CliErrors.Guard(() =>
            GetAsync(AdminClient.From(parse), path, parse.GetValue(Json), table, cancellationToken)));
        return command;
    }

    private static async Task<int> GetAsync(AdminClient controller, string path, bool json, Action<JsonElement> table, CancellationToken cancellationToken)
    {
        var body = await controller.GetAsync(path, cancellationToken);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(body, new JsonSerializerOptions { WriteIndented = true }));
        else
            table(body);
        return 0;
    }

    private static void Status(JsonElement status)
    {
        Switches(status.GetProperty("switches"));
        AnsiConsole.WriteLine($"{Text(status, "vips")} VIP(s), {Text(status, "backends")} backend(s), {Text(status, "connections")} connection(s)");
    }

    private static void Switches(JsonElement list)
    {
        var switches = Table("switch", "state", "role", "connections", "new/s", "write p50 ms", "write p99 ms", "digest backlog", "write backlog", "etcd", "last reconcile");
        foreach (var sw in list.EnumerateArray())
            switches.AddRow(Text(sw, "name"), Text(sw, "state"), Text(sw, "role") is { Length: > 0 } role ? role : "-", Text(sw, "connections"), Number(sw, "new_per_second", "F0"),
                Number(sw, "write_p50_ms", "F2"), Number(sw, "write_p99_ms", "F2"), Text(sw, "digest_backlog"), Text(sw, "write_backlog"), Replication(sw), Text(sw, "last_reconcile"));
        AnsiConsole.Write(switches);
    }

    private static string Replication(JsonElement sw) =>
        !sw.TryGetProperty("replication", out var r) || r.ValueKind != JsonValueKind.Object ? "-"
        : r.GetProperty("active").GetBoolean() ? $"{Text(r, "written")} written, {Text(r, "pending")} pending{(r.GetProperty("failures").GetInt64() > 0 ? $", {Text(r, "failures")} failures" : "")}"
        : "mirror (not written)";

    private static void Groups(JsonElement groups)
    {
        var table = Table("group", "members", "active", "takeovers", "last takeover");
        foreach (var group in groups.EnumerateArray())
        {
            var takeovers = group.GetProperty("takeovers").EnumerateArray().ToList();
            var last = takeovers.LastOrDefault();
            table.AddRow(Text(group, "name"), string.Join(", ", group.GetProperty("members").EnumerateArray().Select(m => m.GetString())),
                Text(group, "active") is { Length: > 0 } active ? active : "none", $"{takeovers.Count}",
                last.ValueKind == JsonValueKind.Undefined ? "-"
                    : $"{Text(last, "at")}: {(Text(last, "from") is { Length: > 0 } from ? $"{from} → " : "")}{Text(last, "to")} in {Number(last, "took_ms", "F0")} ms ({Text(last, "reason")})");
        }
        AnsiConsole.Write(table);
    }

    private static void Vips(JsonElement vips)
    {
        var table = Table("id", "name", "address", "mode", "algorithm", "pool");
        foreach (var vip in vips.EnumerateArray())
            table.AddRow(Text(vip, "id"), Text(vip, "name"), $"{Text(vip, "address")}:{Text(vip, "port")}/{Text(vip, "protocol")}",
                Text(vip, "mode"), Text(vip, "algorithm"), string.Join(", ", vip.GetProperty("pool").EnumerateArray().Select(p => p.GetString())));
        AnsiConsole.Write(table);
    }

    private static void Backends(JsonElement backends)
    {
        var table = Table("id", "name", "address", "state", "health", "in state s", "weight", "configured", "active conns", "last probes", "agent", "cpu", "mem", "reason");
        foreach (var backend in backends.EnumerateArray())
            table.AddRow(Text(backend, "id"), Text(backend, "name"), $"{Text(backend, "address")}:{Text(backend, "port")}", Text(backend, "state"),
                Text(backend, "health"), Number(backend, "seconds_in_state", "F1"), Text(backend, "weight"), Text(backend, "configured_weight"),
                Text(backend, "active_connections"), Text(backend, "last_probes"), Text(backend, "agent"), Number(backend, "cpu", "P0"),
                Number(backend, "memory", "P0"), Text(backend, "reason"));
        AnsiConsole.Write(table);
    }

    private static void Peers(JsonElement peers)
    {
        var table = Table("controller", "address", "checksum", "records", "not UP", "heard s ago", "snapshots");
        foreach (var peer in peers.EnumerateArray())
        {
            var records = peer.GetProperty("records").EnumerateArray().ToList();
            var heard = DateTimeOffset.UtcNow - peer.GetProperty("heard_at").GetDateTimeOffset();
            table.AddRow(Text(peer, "controller"), Text(peer, "address"), Text(peer, "checksum")[..12] + "…", records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(", ", records.Where(r => r.GetProperty("state").GetString() != "UP").Select(r => $"{r.GetProperty("backend").GetString()} ({r.GetProperty("state").GetString()})")),
                heard.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture), Text(peer, "snapshots"));
        }
        AnsiConsole.Write(table);
    }

    private static void Applications(JsonElement applications)
    {
        var table = Table("id", "name", "port", "address", "vips", "packets", "bytes");
        foreach (var app in applications.EnumerateArray())
            table.AddRow(Text(app, "id"), Text(app, "name"), Text(app, "switch_port"), Text(app, "address"),
                string.Join(", ", app.GetProperty("vips").EnumerateArray().Select(v => v.GetString())), Text(app, "packets"), Text(app, "bytes"));
        AnsiConsole.Write(table);
    }

    private static Table Table(params string[] columns) => CliOutput.Table(columns);

    private static string Number(JsonElement element, string name, string format) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble().ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "";

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? Markup.Escape(value.ToString()) : "";
}
