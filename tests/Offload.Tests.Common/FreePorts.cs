using System.Net;
using System.Net.Sockets;

namespace Offload.Tests.Common;

/// <summary>A loopback TCP port nobody listens on right now (the kernel's pick).</summary>
public static class FreePorts
{
    public static ushort Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
