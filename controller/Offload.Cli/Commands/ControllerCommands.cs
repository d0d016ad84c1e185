using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Offload.Cli.Commands;

/// <summary>`offloadctl status | vips | backends`: what offload-controller's admin API reports, as tables or JSON.</summary>
internal static class ControllerCommands
{
    private static readonly Option<string> Controller = new("--controller")
    {
        Description = "offload-controller's admin API HOST:PORT",
        DefaultValueFactory = _ => "127.0.0.1:9580",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "print the API's JSON instead of a table" };

    public static IEnumerable<Command> Create() =>
    [
        Command("status", "the controller's switches and totals", "/api/status", Status),
        Command("vips", "the configured VIPs", "/api/vips", Vips),
        Command("backends", "backends with their weight and active connections", "/api/backends", Backends),
        Connections(),
        Apply(),
        Change("drain", "no new connections to a backend; its connections stay until they end", n => $"/api/backends/{n}/drain"),
        Change("undrain", "back to the backend's configured weight", n => $"/api/backends/{n}/undrain"),
        SetWeight(),
    ];

    private static Command Connections()
    {
        var vip = new Option<string?>("--vip") { Description = "only this VIP's connections" };
        var backend = new Option<string?>("--backend") { Description = "only connections pinned to this backend" };
        var page = new Option<int>("--page") { Description = "which page (from 1)", DefaultValueFactory = _ => 1 };
        var perPage = new Option<int>("--per-page") { Description = "rows per page (1-10000)", DefaultValueFactory = _ => 50 };
        var command = new Command("connections", "pinned connections, by VIP or backend, a page at a time") { vip, backend, page, perPage, Controller, Json };
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var (pageNumber, size) = (parse.GetValue(page), parse.GetValue(perPage));
            if (pageNumber < 1 || size is < 1 or > 10_000)
                throw new ArgumentException("--page must be at least 1 and --per-page 1 to 10000");
            var query = $"/api/connections?offset={(pageNumber - 1) * size}&limit={size}"
                + (parse.GetValue(vip) is { } v ? $"&vip={Uri.EscapeDataString(v)}" : "")
                + (parse.GetValue(backend) is { } b ? $"&backend={Uri.EscapeDataString(b)}" : "");
            return await GetAsync(parse.GetValue(Controller)!, query, parse.GetValue(Json), body =>
            {
                var table = Table("switch", "client", "vip", "protocol", "backend");
                foreach (var c in body.GetProperty("connections").EnumerateArray())
                    table.AddRow(Text(c, "switch"), Text(c, "client"), Text(c, "vip"), Text(c, "protocol"), Text(c, "backend"));
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

    private static Command Apply()
    {
        var file = new Argument<FileInfo>("file") { Description = "a configuration file (docs/config.md)" };
        var command = new Command("apply", "converge the controller and its switches to a configuration file; only the needed writes are made") { file, Controller };
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var path = parse.GetValue(file)!;
            using var content = new StringContent(await File.ReadAllTextAsync(path.FullName, ct));
            content.Headers.Add("X-Config-Name", path.Name);
            return await PostAsync(parse.GetValue(Controller)!, "/api/apply", content, ct);
        }));
        return command;
    }

    private static Command Change(string name, string description, Func<string, string> path)
    {
        var command = new Command(name, description) { BackendName, Controller };
        command.SetAction((parse, ct) => CliErrors.Guard(() => PostAsync(parse.GetValue(Controller)!, path(Uri.EscapeDataString(parse.GetValue(BackendName)!)), null, ct)));
        return command;
    }

    private static Command SetWeight()
    {
        var weight = new Argument<int>("weight") { Description = "the new weight (0 drains)" };
        var command = new Command("set-weight", "change a backend's weight; established connections are not moved") { BackendName, weight, Controller };
        command.SetAction((parse, ct) => CliErrors.Guard(() => PostAsync(parse.GetValue(Controller)!,
            $"/api/backends/{Uri.EscapeDataString(parse.GetValue(BackendName)!)}/weight/{parse.GetValue(weight)}", null, ct)));
        return command;
    }

    private static async Task<int> PostAsync(string controller, string path, HttpContent? content, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync($"http://{controller}{path}", content, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"cannot reach offload-controller at {controller}: {ex.Message}");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        foreach (var line in body.GetProperty("results").EnumerateArray())
            Console.WriteLine(line.GetString());
        foreach (var error in body.GetProperty("errors").EnumerateArray())
            Console.Error.WriteLine($"offloadctl: {error.GetString()}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private static Command Command(string name, string description, string path, Action<JsonElement> table)
    {
        var command = new Command(name, description) { Controller, Json };
        command.SetAction((parse, cancellationToken) => CliErrors.Guard(() =>
            GetAsync(parse.GetValue(Controller)!, path, parse.GetValue(Json), table, cancellationToken)));
        return command;
    }

    private static async Task<int> GetAsync(string controller, string path, bool json, Action<JsonElement> table, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"http://{controller}{path}", cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"cannot reach offload-controller at {controller}: {ex.Message}");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            foreach (var error in body.GetProperty("errors").EnumerateArray())
                Console.Error.WriteLine($"offloadctl: {error.GetString()}");
            return 1;
        }
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(body, new JsonSerializerOptions { WriteIndented = true }));
        else
            table(body);
        return 0;
    }

    private static void Status(JsonElement status)
    {
        var switches = Table("switch", "state", "connections", "last reconcile");
        foreach (var sw in status.GetProperty("switches").EnumerateArray())
            switches.AddRow(Text(sw, "name"), Text(sw, "state"), Text(sw, "connections"), Text(sw, "last_reconcile"));
        AnsiConsole.Write(switches);
        AnsiConsole.WriteLine($"{Text(status, "vips")} VIP(s), {Text(status, "backends")} backend(s), {Text(status, "connections")} connection(s)");
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
        var table = Table("id", "name", "address", "weight", "active connections");
        foreach (var backend in backends.EnumerateArray())
            table.AddRow(Text(backend, "id"), Text(backend, "name"), $"{Text(backend, "address")}:{Text(backend, "port")}",
                Text(backend, "weight"), Text(backend, "active_connections"));
        AnsiConsole.Write(table);
    }

    private static Table Table(params string[] columns)
    {
        var table = new Table().RoundedBorder();
        foreach (var column in columns)
            table.AddColumn(column);
        return table;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? Markup.Escape(value.ToString()) : "";
}
