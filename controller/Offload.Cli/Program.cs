using System.CommandLine;
using Offload.Cli.Commands;
using Spectre.Console;

// Piped into grep or a file, a row stays on one line instead of wrapping at 80 columns.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = 240;

var root = new RootCommand("offloadctl: operate Offload switches and controllers")
{
    SwitchCommands.Create(),
    P4InfoCommands.Create(),
};
foreach (var command in ControllerCommands.Create())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
