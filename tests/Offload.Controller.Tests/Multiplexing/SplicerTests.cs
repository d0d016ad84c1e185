using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Controller.Classification;
using Offload.Controller.Configuration;
using Offload.Controller.Multiplexing;
using Offload.Controller.Plumbing;
using Offload.Controller.Switches;
using Offload.Packets.Headers;
using Offload.Tests.Common;
using Offload.Tests.Common.Simulator;
using Xunit;

namespace Offload.Controller.Tests.Multiplexing;

/// <summary>A multiplex VIP on an in-process offload-sim: the controller's handshake, the backend connection, the splice.</summary>
public sealed class SplicerTests : IAsyncLifetime
{
    private const ulong ClientMac = 0x000000000002, VipMac = 0x020000000004, RouterMac = 0x00aa00000001;
    private static readonly UInt128 Client = 0x0a000002, Vip = 0x0a006404, Backend = 0x0a00010b;
    private SimulatorHarness _sim = null!;
    private SwitchAgent _agent = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        var config = ExampleConfig.Load(y => ExampleConfig.OnSimulator(y, _sim).Replace("pool: [web1, web2, web3]", "pool: [web2]")
            .Replace("vips:\n", "vips:\n  - {name: edge, id: 4, address: 10.0.100.4, port: 443, mode: multiplex, multiplex: {other: [web1], http: [web1]},\n"
                + "     http_routes: [{path_prefix: /api/, pool: [web3]}], deny_sources: [10.0.0.77/32]}\n"));
        _agent = new SwitchAgent(config, config.Switches[0], _sim.P4Info, null, new Classifier(config, ExampleConfig.Policies), new SwitchAgentOptions(),
            NullLoggerFactory.Instance);
        _ = _agent.RunAsync(_stop.Token);
        await Eventually.WaitUntil(() => _agent.IsReady);
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        await _agent.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private static TcpSegment FromClient(uint seq, uint ack, byte flags, byte[]? payload = null, UInt128? client = null) =>
        new(VipMac, ClientMac, 4, client ?? Client, Vip, 40000, 443, seq, ack, flags, 5000, flags == TcpHeader.FlagSyn ? TcpSegment.MssOption(1460) : [], payload ?? []);

    private async Task<TcpSegment> SentAsync(uint port) =>
        TcpSegment.Parse(await _sim.NextSentAsync(port, TimeSpan.FromSeconds(5)) ?? throw new TimeoutException($"nothing sent on port {port}"))!;

    [Fact]
    public async Task Handshake_BackendConnection_ThenTheSwitchCarriesIt()
    {
        // The controller answers the SYN itself, offering only an MSS.
        Assert.DoesNotContain(_sim.Inject(1, FromClient(1000, 0, TcpHeader.FlagSyn).ToFrame()), o => o.Port != 255);
        var synAck = await SentAsync(1);
        Assert.Equal((TcpHeader.FlagSyn | TcpHeader.FlagAck, 1001u, (ushort?)1460, ClientMac, Vip), ((int)synAck.Flags, synAck.Ack, synAck.Mss, synAck.EthDst, synAck.Source));
        var s = synAck.Seq;

        // The first payload opens the backend connection from the client's address, with the client's ISN.
        _sim.Inject(1, FromClient(1001, s + 1, TcpHeader.FlagAck).ToFrame());
        _sim.Inject(1, FromClient(1001, s + 1, TcpHeader.FlagAck | TcpHeader.FlagPsh, "VPN1 hello"u8.ToArray()).ToFrame());
        var syn = await SentAsync(2);
        Assert.Equal((TcpHeader.FlagSyn, 1000u, Client, Backend, (ushort)8080, RouterMac), ((int)syn.Flags, syn.Seq, syn.Source, syn.Destination, syn.DestinationPort, syn.EthSrc));

        // The backend's SYN-ACK is punted by its endpoint's entry; the splice goes in, with the ISNs' difference.
        const uint b = 0xfffffff0;
        var backendSynAck = new TcpSegment(RouterMac, 0x000000000111, 4, Backend, Client, 8080, 40000, b, 1001, TcpHeader.FlagSyn | TcpHeader.FlagAck, 5000, TcpSegment.MssOption(1460), []);
        Assert.DoesNotContain(_sim.Inject(2, backendSynAck.ToFrame()), o => o.Port != 255);
        var ack = await SentAsync(2);
        Assert.Equal((TcpHeader.FlagAck, 1001u, b + 1), ((int)ack.Flags, ack.Seq, ack.Ack));
        var first = await SentAsync(2);
        Assert.Equal(("VPN1 hello", 1001u, b + 1), (System.Text.Encoding.ASCII.GetString(first.Payload), first.Seq, first.Ack));
        await Eventually.WaitUntil(() => _agent.Connections == 1 && _agent.Multiplexed.Spliced == 1);

        // From now on the switch alone: the client's acknowledgments and the backend's sequence numbers are rewritten.
        var next = Assert.Single(_sim.Inject(1, FromClient(1011, s + 1, TcpHeader.FlagAck, "more"u8.ToArray()).ToFrame()));
        var forwarded = TcpSegment.Parse(next.Packet)!;
        Assert.Equal((2u, 1011u, b + 1, Backend), (next.Port, forwarded.Seq, forwarded.Ack, forwarded.Destination));
        var reply = new TcpSegment(RouterMac, 0x000000000111, 4, Backend, Client, 8080, 40000, b + 1, 1015, TcpHeader.FlagAck, 5000, [], "echo"u8.ToArray());
        var back = Assert.Single(_sim.Inject(2, reply.ToFrame()));
        var returned = TcpSegment.Parse(back.Packet)!;
        Assert.Equal((1u, s + 1, 1015u, Vip, (ushort)443), (back.Port, returned.Seq, returned.Ack, returned.Source, returned.SourcePort));
    }

    // A request under /api/ on a connection that went to web1 for its first request: the controller closes web1's
    // connection and opens web3's where the client's numbers stand; the client's packets keep coming to the controller.
    [Fact]
    public async Task RoutedRequests_EachToItsRoute_OnOneConnection()
    {
        _sim.Inject(1, FromClient(1000, 0, TcpHeader.FlagSyn).ToFrame());
        var s = (await SentAsync(1)).Seq;
        _sim.Inject(1, FromClient(1001, s + 1, TcpHeader.FlagAck | TcpHeader.FlagPsh, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).ToFrame());
        var syn = await SentAsync(2);
        Assert.Equal(Backend, syn.Destination);
        const uint b = 5000;
        _sim.Inject(2, new TcpSegment(RouterMac, 0x000000000111, 4, Backend, Client, 8080, 40000, b, 1001, TcpHeader.FlagSyn | TcpHeader.FlagAck, 5000, [], []).ToFrame());
        Assert.Equal(TcpHeader.FlagAck, (await SentAsync(2)).Flags);
        var first = await SentAsync(2);
        Assert.Equal((1001u, b + 1), (first.Seq, first.Ack));

        // The response (20 bytes) takes the fast path back; the next request, for /api/, moves the connection.
        var response = Assert.Single(_sim.Inject(2, new TcpSegment(RouterMac, 0x000000000111, 4, Backend, Client, 8080, 40000, b + 1, 1028, TcpHeader.FlagAck, 5000, [], new byte[20]).ToFrame()));
        Assert.Equal(s + 1, TcpSegment.Parse(response.Packet)!.Seq);
        Assert.DoesNotContain(_sim.Inject(1, FromClient(1028, s + 21, TcpHeader.FlagAck | TcpHeader.FlagPsh, "GET /api/x HTTP/1.1\r\n\r\n"u8.ToArray()).ToFrame()), o => o.Port != 255);
        var reset = await SentAsync(2);
        Assert.Equal((TcpHeader.FlagRst, Backend), ((int)reset.Flags, reset.Destination));
        var moved = await SentAsync(2);
        UInt128 web3 = 0x0a00010d;
        Assert.Equal((TcpHeader.FlagSyn, 1027u, web3), ((int)moved.Flags, moved.Seq, moved.Destination));
        const uint b3 = 9000;
        _sim.Inject(2, new TcpSegment(RouterMac, 0x000000000113, 4, web3, Client, 8080, 40000, b3, 1028, TcpHeader.FlagSyn | TcpHeader.FlagAck, 5000, [], []).ToFrame());
        var ack = await SentAsync(2);
        Assert.Equal((TcpHeader.FlagAck, 1028u, b3 + 1), ((int)ack.Flags, ack.Seq, ack.Ack));
        var request = await SentAsync(2);
        Assert.Equal((1028u, b3 + 1, web3), (request.Seq, request.Ack, request.Destination));
        var answer = Assert.Single(_sim.Inject(2, new TcpSegment(RouterMac, 0x000000000113, 4, web3, Client, 8080, 40000, b3 + 1, 1051, TcpHeader.FlagAck, 5000, [], new byte[7]).ToFrame()));
        Assert.Equal((s + 21, Vip), (TcpSegment.Parse(answer.Packet)!.Seq, TcpSegment.Parse(answer.Packet)!.Source));
    }

    [Fact]
    public async Task UnknownConnection_OrDeniedClient_IsReset()
    {
        _sim.Inject(1, FromClient(5000, 777, TcpHeader.FlagAck, "stray"u8.ToArray()).ToFrame());
        var reset = await SentAsync(1);
        Assert.Equal((TcpHeader.FlagRst, 777u), ((int)reset.Flags, reset.Seq));

        _sim.Inject(1, FromClient(9000, 0, TcpHeader.FlagSyn, client: 0x0a00004d).ToFrame());
        var denied = await SentAsync(1);
        Assert.Equal((TcpHeader.FlagRst | TcpHeader.FlagAck, 9001u), ((int)denied.Flags, denied.Ack));
    }
}
