using System.Net;
using System.Net.Sockets;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Simulator.Tests.Live;

/// <summary>offload-sim's flags: what simple_switch_grpc takes, and a clear message with a non-zero exit for what is wrong.</summary>
public sealed class CommandLineTests
{
    private static (int ExitCode, string Output) Run(params string[] args) => ProgramProcess.Run("offload-sim.dll", args);

    [Theory]
    [InlineData("--no-such-flag")]
    [InlineData("-i", "0@lo")]
    [InlineData("-i", "veth1")]
    [InlineData("--cpu-port", "0")]
    [InlineData("--grpc-addr", "nonsense")]
    [InlineData("--pcap-dir", "/does/not/exist")]
    [InlineData("--replay", "1@/does/not/exist.pcap")]
    [InlineData("--replay-delay", "-1", "--replay", "1@x.pcap")]
    [InlineData("--no-p4", "offload.json")]
    [InlineData("/does/not/exist.json")]
    [InlineData("-L", "loud")]
    [InlineData("--log-format", "xml")]
    [InlineData("--arbitration", "oldest")]
    [InlineData("--pcap", "/does/not/exist")]
    [InlineData("--", "--drop-port", "255")]
    [InlineData("-i", "5@lo", "--", "--drop-port", "5")]
    [InlineData("--", "--grpc-server-ssl")]
    [InlineData("--", "--grpc-server-with-client-auth")]
    [InlineData("--", "--grpc-server-ssl", "--grpc-server-cert", "/nope.pem", "--grpc-server-key", "/nope.key")]
    [InlineData("--grpc-addr", "127.0.0.1:1", "--", "--grpc-server-addr", "127.0.0.1:2")]
    [InlineData("--", "--no-such-target-flag")]
    public void BadFlag_ClearMessageAndNonZeroExit(params string[] args)
    {
        var (exit, output) = Run(args);
        Assert.NotEqual(0, exit);
        Assert.False(string.IsNullOrWhiteSpace(output));
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void MissingInterface_SaysSo()
    {
        var (exit, output) = Run("-i", "1@nosuchif0", "--grpc-addr", "127.0.0.1:0");
        Assert.Equal(1, exit);
        Assert.Contains("interface 'nosuchif0' does not exist", output);
    }

    [Fact]
    public void PortInUse_SaysSo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (exit, output) = Run("--grpc-addr", $"127.0.0.1:{port}");
        Assert.Equal(1, exit);
        Assert.Contains(port.ToString(), output);
    }

    [Fact]
    public void Help_ListsSimpleSwitchFlags()
    {
        var (exit, output) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var flag in new[] { "--device-id", "--grpc-addr", "-i", "--cpu-port", "--pcap-dir", "--replay", "--no-p4", "--log-level",
                     "--pcap", "--log-console", "--log-file", "--thrift-port", "--nanolog", "--grpc-server-addr", "--drop-port", "--grpc-server-ssl",
                     "--grpc-server-with-client-auth", "--arbitration", "JSON" })
            Assert.Contains(flag, output);
    }
}
