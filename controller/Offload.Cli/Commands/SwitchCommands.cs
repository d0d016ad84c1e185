using System.CommandLine;
using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Schema;
using Spectre.Console;

namespace Offload.Cli.Commands;

/// <summary>offloadctl switch status | set-pipeline: talk P4Runtime to one switch.</summary>
internal static class SwitchCommands
{
    public static Command Create()
    {
        var command = new Command("switch", "inspect and configure a P4Runtime switch (offload-sim, BMv2, Tofino)");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(SetPipeline());
        return command;
    }

    private static Command Status()
    {
        var options = new SwitchOptions();
        var command = new Command("status", "API version, arbitration result and pipeline of a switch");
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            await using var connection = options.Connect(parse);
            var version = await connection.Client.GetApiVersionAsync(ct);
            connection.Stream.Start();
            var arbitrated = await WaitForAnswerAsync(connection, ct);
            var pipeline = await connection.Client.GetPipelineAsync(cancellationToken: ct);
            var table = CliOutput.Table("property", "value");
            table.AddRow("switch", $"{connection.Channel.Address.Authority} (device {connection.Client.DeviceId})");
            table.AddRow("P4Runtime API", version);
            table.AddRow("this controller", arbitrated
                ? $"{(connection.Stream.IsPrimary ? "[green]primary[/]" : "[yellow]backup[/]")} ({connection.Stream.State.Code}: {Markup.Escape(connection.Stream.State.Message)}), election id {connection.Stream.ElectionId}"
                : $"[red]no arbitration answer[/] ({Markup.Escape(connection.Stream.LastFailure?.ToString() ?? "timeout")})");
            table.AddRow("primary election id", connection.Stream.State.PrimaryElectionId?.ToString() ?? "none");
            table.AddRow("pipeline", pipeline?.P4Info is { } info
                ? $"{info.Tables.Count} tables, {info.Actions.Count} actions{(info.PkgInfo?.Arch is { Length: > 0 } arch ? $", arch {arch}" : "")}"
                  + (pipeline.Cookie is { } c ? $", cookie {c.Cookie_}" : "")
                : "none (waiting for SetForwardingPipelineConfig)");
            AnsiConsole.Write(table);
            return arbitrated ? 0 : 1;
        }));
        return command;
    }

    private static Command SetPipeline()
    {
        var options = new SwitchOptions();
        var p4info = new Option<FileInfo>("--p4info") { Description = "P4Info (.txtpb text or binary)", Required = true };
        var deviceConfig = new Option<FileInfo?>("--device-config") { Description = "target config, e.g. the BMv2 JSON from p4c" };
        var cookie = new Option<ulong?>("--cookie") { Description = "pipeline cookie" };
        var command = new Command("set-pipeline", "become primary and push a pipeline (VERIFY_AND_COMMIT)") { p4info, deviceConfig, cookie };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.Guard(async () =>
        {
            var index = P4InfoIndex.Load(parse.GetValue(p4info)!.FullName);
            var configFile = parse.GetValue(deviceConfig);
            var bytes = configFile is null ? ByteString.Empty : ByteString.CopyFrom(await File.ReadAllBytesAsync(configFile.FullName, ct));
            await using var connection = options.Connect(parse);
            connection.Stream.Start();
            if (!await WaitForAnswerAsync(connection, ct) || !connection.Stream.IsPrimary)
            {
                AnsiConsole.MarkupLine($"[red]not primary[/] on {connection.Channel.Address.Authority}: " +
                                       Markup.Escape(connection.Stream.LastFailure?.ToString() ?? connection.Stream.State.ToString()));
                return 1;
            }
            await connection.Client.SetPipelineAsync(index.P4Info, bytes, parse.GetValue(cookie), cancellationToken: ct);
            AnsiConsole.MarkupLine($"[green]pipeline committed[/]: {index.P4Info.Tables.Count} tables, {index.P4Info.Actions.Count} actions, " +
                                   $"{bytes.Length} bytes of device config");
            return 0;
        }));
        return command;
    }

    private static async Task<bool> WaitForAnswerAsync(Connection connection, CancellationToken ct)
    {
        var until = DateTime.UtcNow + connection.Timeout;
        while (DateTime.UtcNow < until && !ct.IsCancellationRequested)
        {
            if (connection.Stream.State != Offload.P4Runtime.Session.ArbitrationState.Disconnected)
                return true;
            if (connection.Stream.LastFailure is { Code: not StatusCode.Unavailable })
                return false;
            await Task.Delay(25, ct);
        }
        return false;
    }
}
