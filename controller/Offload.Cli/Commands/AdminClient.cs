using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Offload.Cli.Commands;

/// <summary>offload-controller's admin API over HTTP, with a deadline, and every failure as one sentence.</summary>
internal sealed class AdminClient
{
    public static readonly Option<string> Controller = new("--controller")
    {
        Description = "offload-controller's admin API HOST:PORT (default: $OFFLOAD_CONTROLLER, else 127.0.0.1:9580)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OFFLOAD_CONTROLLER") is { Length: > 0 } fromEnvironment ? fromEnvironment : "127.0.0.1:9580",
    };

    public static readonly Option<double> Timeout = new("--timeout") { Description = "seconds to wait for the controller's answer", DefaultValueFactory = _ => 10 };

    private readonly string _controller;
    private readonly Uri _base;
    private readonly TimeSpan _timeout;

    private AdminClient(string controller, Uri @base, TimeSpan timeout) => (_controller, _base, _timeout) = (controller, @base, timeout);

    public string Address => _controller;

    /// <exception cref="ArgumentException">the address or the timeout cannot be used</exception>
    public static AdminClient From(ParseResult parse)
    {
        var controller = parse.GetValue(Controller)!.Trim();
        var seconds = parse.GetValue(Timeout);
        if (seconds is <= 0 or > 3600)
            throw new ArgumentException("--timeout must be more than 0 and at most 3600 seconds");
        var text = controller.Contains("://", StringComparison.Ordinal) ? controller : $"http://{controller}";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.IsDefaultPort && !text.EndsWith(":80", StringComparison.Ordinal) || uri.AbsolutePath != "/")
            throw new ArgumentException($"--controller '{controller}': expected HOST:PORT, for example 127.0.0.1:9580");
        return new AdminClient(controller, uri, TimeSpan.FromSeconds(seconds));
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        var (ok, body) = await SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path)), cancellationToken);
        if (!ok)
            throw new IOException(Errors(body));
        return body;
    }

    public Task<(bool Ok, JsonElement Body)> PostAsync(string path, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(_base, path)) { Content = content }, cancellationToken);

    public static string Errors(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? string.Join("; ", errors.EnumerateArray().Select(e => e.ToString()))
            : "the controller refused the request";

    private async Task<(bool Ok, JsonElement Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var type = response.Content.Headers.ContentType?.MediaType;
            if (type is not "application/json")
                throw new IOException($"{_controller} answered HTTP {(int)response.StatusCode} with {type ?? "no content type"}, not offload-controller's JSON; is --controller its admin address?");
            return (response.IsSuccessStatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"offload-controller at {_controller} did not answer within {_timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (--timeout)");
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"cannot reach offload-controller at {_controller}: {ex.Message}");
        }
    }
}
