using System.CommandLine;
using Offload.Cli.Commands;

CliOutput.Configure();

var root = new RootCommand("offloadctl: operate Offload switches and controllers")
{
    SwitchCommands.Create(),
    P4InfoCommands.Create(),
};
foreach (var command in ControllerCommands.Create())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
