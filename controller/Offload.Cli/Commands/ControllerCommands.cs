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
    ];

    private static Command Command(string name, string description, string path, Action<JsonElement> table)
    {
        var command = new Command(name, description) { Controller, Json };
        command.SetAction((parse, cancellationToken) => CliErrors.Guard(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonElement body;
            try
            {
                body = await http.GetFromJsonAsync<JsonElement>($"http://{parse.GetValue(Controller)}{path}", cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new IOException($"cannot reach offload-controller at {parse.GetValue(Controller)}: {ex.Message}");
            }
            if (parse.GetValue(Json))
                Console.WriteLine(JsonSerializer.Serialize(body, new JsonSerializerOptions { WriteIndented = true }));
            else
                table(body);
            return 0;
        }));
        return command;
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
