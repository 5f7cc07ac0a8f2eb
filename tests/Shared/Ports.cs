using System.Net;
using System.Net.Sockets;

namespace Gearman.Actors.Testing;

public static class Ports
{
    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
