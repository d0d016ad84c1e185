using Offload.Grpc;
using Offload.P4Runtime.Schema;

namespace Offload.Cli.Commands;

internal static class CliErrors
{
    /// <summary>Turns expected failures into one readable line and exit code 1.</summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is RpcException or P4InfoException or IOException or FormatException or ArgumentException
                                       or Offload.P4Runtime.Bytestrings.P4EncodingException)
        {
            Console.Error.WriteLine($"offloadctl: {ex.Message}");
            return 1;
        }
    }
}
