using System.Text.Json;
using Offload.Grpc;
using Offload.P4Runtime.Schema;

namespace Offload.Cli.Commands;

internal static class CliErrors
{
    /// <summary>Turns every failure into one readable line on standard error and exit code 1; never a stack trace.</summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("offloadctl: interrupted");
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"offloadctl: {Describe(ex)}");
            return 1;
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        RpcException or P4InfoException or IOException or FormatException or ArgumentException or Offload.P4Runtime.Bytestrings.P4EncodingException => ex.Message,
        JsonException => $"the answer is not the JSON offload-controller sends ({ex.Message})",
        KeyNotFoundException or InvalidOperationException => $"the answer is not what offload-controller sends ({ex.Message})",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
