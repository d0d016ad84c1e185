using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Offload.AgentProtocol;

namespace Offload.Agent;

/// <summary>
/// The running agent: checks every service each check interval, serves GET /status on its TCP endpoint and its Unix
/// socket, and pushes the report to the configured controllers every push interval and at once when a service
/// changes state.
/// </summary>
public sealed partial class NodeAgent : IAsyncDisposable
{
    private readonly AgentConfig _config;
    private readonly ILogger _logger;
    private readonly List<ServiceWatcher> _services;
    private readonly LoadSampler _load;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly HttpClient _push = new() { Timeout = TimeSpan.FromSeconds(2) };
    private LoadReport _lastLoad = new(0, 0, 0);
    private WebApplication? _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public NodeAgent(AgentConfig config, ILoggerFactory loggers)
    {
        _config = config;
        _logger = loggers.CreateLogger("offload-agent");
        _services = config.Services.Select(s => new ServiceWatcher(s, TimeProvider.System, _logger)).ToList();
        _load = new LoadSampler(config.Services.SelectMany(s => s.Ports).ToHashSet());
        foreach (var service in _services)
            service.Changed += PushSoon;
    }

    private void PushSoon()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A push is due already.
        }
    }

    public AgentReport Report() => new(_config.Id, Environment.MachineName, DateTimeOffset.UtcNow, _services.Select(s => s.Report()).ToArray(), _lastLoad);

    /// <summary>Checks every service and samples the load now (restarting services that are due).</summary>
    public void CheckNow()
    {
        foreach (var service in _services)
            service.Check();
        _lastLoad = _load.Sample();
    }

    public async Task StartAsync()
    {
        CheckNow();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var listen = IPEndPoint.Parse(_config.Listen);
            kestrel.Listen(listen);
            if (_config.Socket is { } socket)
            {
                if (File.Exists(socket))
                    File.Delete(socket);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(socket))!);
                kestrel.ListenUnixSocket(socket);
            }
        });
        _app = builder.Build();
        _app.MapGet("/status", () => Results.Bytes(Report().ToJson(), "application/json"));
        await _app.StartAsync();
        LogListening(_logger, _config.Listen, _config.Socket ?? "none", _services.Count);
        _loops.Add(CheckAsync(_stop.Token));
        if (_config.PushTo.Count > 0)
            _loops.Add(PushAsync(_stop.Token));
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_config.CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                CheckNow();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PushAsync(CancellationToken cancellationToken)
    {
        var failing = new HashSet<string>();
        while (!cancellationToken.IsCancellationRequested)
        {
            var report = Report().ToJson();
            foreach (var controller in _config.PushTo)
            {
                try
                {
                    using var content = new ByteArrayContent(report);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await _push.PostAsync(new Uri(new Uri(controller), "/api/agent-reports"), content, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                        throw new HttpRequestException($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    if (failing.Remove(controller))
                        LogPushRecovered(_logger, controller);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    if (failing.Add(controller))
                        LogPushFailed(_logger, controller, ex.Message);
                }
            }
            try
            {
                await _changed.WaitAsync(_config.PushInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops);
        if (_app is not null)
            await _app.DisposeAsync();
        if (_config.Socket is { } socket && File.Exists(socket))
            File.Delete(socket);
        _push.Dispose();
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "offload-agent: listening on {Listen} and unix socket {Socket}; watching {Count} service(s)")]
    private static partial void LogListening(ILogger logger, string listen, string socket, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "push to {Controller} failed: {Error}")]
    private static partial void LogPushFailed(ILogger logger, string controller, string error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "push to {Controller} works again")]
    private static partial void LogPushRecovered(ILogger logger, string controller);
}
