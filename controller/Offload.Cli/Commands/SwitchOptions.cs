using System.CommandLine;
using Offload.Grpc.Client;
using Offload.P4Runtime.Session;

namespace Offload.Cli.Commands;

/// <summary>Options every switch command takes: where the switch is and who we are to it.</summary>
internal sealed class SwitchOptions
{
    public Option<string> Address { get; } = new("--switch") { Description = "P4Runtime address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:9559" };
    public Option<ulong> DeviceId { get; } = new("--device-id") { Description = "P4Runtime device id (0 for stock BMv2)", DefaultValueFactory = _ => 0 };
    public Option<string> ElectionId { get; } = new("--election-id") { Description = "election id, N or HIGH:LOW", DefaultValueFactory = _ => "1" };
    public Option<string> Role { get; } = new("--role") { Description = "P4Runtime role name (empty: default role)", DefaultValueFactory = _ => "" };
    public Option<double> Timeout { get; } = new("--timeout") { Description = "seconds to wait for the switch", DefaultValueFactory = _ => 5 };

    public void AddTo(Command command)
    {
        command.Options.Add(Address);
        command.Options.Add(DeviceId);
        command.Options.Add(ElectionId);
        command.Options.Add(Role);
        command.Options.Add(Timeout);
    }

    public Connection Connect(ParseResult parse)
    {
        var election = Offload.P4Runtime.Session.ElectionId.Parse(parse.GetValue(ElectionId)!);
        var channel = GrpcChannel.ForAddress(parse.GetValue(Address)!, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
        var deviceId = parse.GetValue(DeviceId);
        var role = parse.GetValue(Role)!;
        return new Connection(channel, new P4RuntimeClient(channel, deviceId, election, role),
            new StreamSession(channel, deviceId, election, role), TimeSpan.FromSeconds(parse.GetValue(Timeout)));
    }
}

internal sealed record Connection(GrpcChannel Channel, P4RuntimeClient Client, StreamSession Stream, TimeSpan Timeout) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        Channel.Dispose();
    }
}
