using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Offload.Logging;
using Offload.Tests.Common;
using Offload.Tests.Common.Live;
using Xunit;

namespace Offload.Controller.Tests.Hosting;

/// <summary>How the programs log: formats, files, levels, and repeated warnings held back.</summary>
public sealed class LoggingTests
{
    [Fact]
    public void RepeatLimiter_FirstAtOnce_ThenOncePerInterval_CountingWhatItHeld()
    {
        var time = new ManualTime();
        var limiter = new RepeatLimiter(TimeSpan.FromSeconds(60), time);
        Assert.True(limiter.ShouldLog("s1", out var held));
        Assert.Equal(0, held);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.False(limiter.ShouldLog("s1", out _));
        }
        Assert.True(limiter.ShouldLog("s2", out _));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.ShouldLog("s1", out held));
        Assert.Equal(5, held);
        limiter.Reset("s1");
        Assert.True(limiter.ShouldLog("s1", out held));
        Assert.Equal(0, held);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("Warning", LogLevel.Warning)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("off", LogLevel.None)]
    public void ParseLevel_TakesBmv2AndDotnetNames(string text, LogLevel level) => Assert.Equal(level, LogSettings.ParseLevel(text));

    [Fact]
    public async Task Controller_JsonToConsole_TextToFile()
    {
        var directory = Directory.CreateTempSubdirectory("offload-logs-");
        try
        {
            var config = ExampleConfig.WriteTo(directory, FreePorts.Next());
            var file = Path.Combine(directory.FullName, "logs", "controller.log");
            var (controller, _) = await ProgramProcess.StartAsync("offload-controller.dll", new Regex("admin API on"),
                "--config", config, "--admin-addr", $"127.0.0.1:{FreePorts.Next()}", "--log-format", "json", "--log-file", file);
            using (controller)
            {
                var line = controller.Log.Split('\n').First(l => l.Contains("admin API on"));
                using var json = JsonDocument.Parse(line);
                Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", json.RootElement.GetProperty("Timestamp").GetString());
                await Eventually.WaitUntil(() => File.Exists(file) && File.ReadAllText(file).Contains("admin API on"));
                Assert.Matches(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d info: offload-controller\[0\] controlling 1 switch", File.ReadAllText(file));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void BadLogFormat_ExitTwo()
    {
        var (exit, output) = ProgramProcess.Run("offload-controller.dll", "--config", "x.yaml", "--log-format", "xml");
        Assert.Equal(2, exit);
        Assert.Contains("log format 'xml'", output);
    }
}
