using System.Net.Sockets;
using Akka.IO;

namespace Gearman.Actors.Net;

/// <summary>
/// TCP keepalive on each accepted connection (gearmand's --keepalive, --keepalive-idle, --keepalive-interval,
/// --keepalive-count); a timing of 0 or less keeps the system's. Akka.IO applies a listener's options to every
/// connection it accepts, after the accept.
/// </summary>
internal sealed class KeepAliveOption(int idleSeconds, int intervalSeconds, int count) : Inet.SocketOption
{
    public override void AfterConnect(Socket s)
    {
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        if (idleSeconds > 0) s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idleSeconds);
        if (intervalSeconds > 0) s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, intervalSeconds);
        if (count > 0) s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
    }
}
