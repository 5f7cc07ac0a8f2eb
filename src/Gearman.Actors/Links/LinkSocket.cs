using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Gearman.Actors.Serialization;

namespace Gearman.Actors.Links;

/// <summary>
/// This node's TCP connection to another node's <see cref="LinkListener"/>: carries the <see cref="NodeLink"/>'s
/// batches to that node, one length-prefixed frame each. Only the link actor sends on it.
/// </summary>
/// <remarks>
/// The link writes a batch to the socket on its own thread, with no hand-off: through Akka.Remote each batch went
/// through the endpoint writer's actor and the transport's event-loop thread, which each cost a thread wake-up per
/// batch on this machine (docs/benchmarks.md). The socket does not block: what the kernel does not take at once
/// waits in <see cref="_backlog"/> and goes from an async send, so a slow peer never holds the link's thread. The
/// link's acknowledgement window bounds what can wait there.
/// </remarks>
internal sealed class LinkSocket : IDisposable
{
    /// <summary>The first frame on a link connection: this, then the sending node's Akka address in UTF-8.</summary>
    internal static ReadOnlySpan<byte> Hello => "GALK1"u8;

    private readonly Socket _socket;
    private readonly BrokerSerializer _serializer;
    private readonly Action<LinkSocket, Exception> _failed;
    private readonly object _gate = new();
    private readonly Queue<ReadOnlyMemory<byte>> _backlog = new();
    /// <summary>An async send is draining <see cref="_backlog"/>; frames queue behind it.</summary>
    private bool _draining;
    private bool _broken;

    private LinkSocket(Socket socket, BrokerSerializer serializer, Action<LinkSocket, Exception> failed) =>
        (_socket, _serializer, _failed) = (socket, serializer, failed);

    /// <summary>
    /// Connects to a link listener at <paramref name="host"/>:<paramref name="port"/> and says which node this is.
    /// <paramref name="failed"/> hears once if a later send fails.
    /// </summary>
    public static async Task<LinkSocket> ConnectAsync(string host, int port, Address self, BrokerSerializer serializer,
        Action<LinkSocket, Exception> failed, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 4 << 20 };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(host, port, cts.Token);
            var address = Encoding.UTF8.GetBytes(self.ToString());
            var hello = new byte[Hello.Length + address.Length];
            Hello.CopyTo(hello);
            address.CopyTo(hello, Hello.Length);
            await socket.SendAsync(Frame(hello), cts.Token);
            socket.Blocking = false;
            return new LinkSocket(socket, serializer, failed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="batch"/> as one frame; what the kernel does not take now goes in order later.</summary>
    public void Send(LinkBatch batch)
    {
        var frame = _serializer.ToFrame(batch);
        lock (_gate)
        {
            if (_broken) return;
            if (_draining)
            {
                _backlog.Enqueue(frame);
                return;
            }
            var sent = 0;
            try
            {
                while (sent < frame.Length)
                {
                    var n = _socket.Send(frame.Span[sent..], SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock) break;
                    if (error != SocketError.Success) throw new SocketException((int)error);
                    sent += n;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Fail(ex);
                return;
            }
            if (sent == frame.Length) return;
            _backlog.Enqueue(frame[sent..]);
            _draining = true;
        }
        _ = DrainAsync();
    }

    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> next;
                lock (_gate)
                {
                    if (_broken || !_backlog.TryDequeue(out next))
                    {
                        _draining = false;
                        return;
                    }
                }
                while (!next.IsEmpty) next = next[await _socket.SendAsync(next, SocketFlags.None)..];
            }
        }
        catch (Exception ex)
        {
            lock (_gate) Fail(ex);
        }
    }

    /// <summary>Under <see cref="_gate"/>: the connection is of no more use; the link hears of it once.</summary>
    private void Fail(Exception ex)
    {
        if (_broken) return;
        _broken = true;
        _backlog.Clear();
        _failed(this, ex);
    }

    /// <summary><paramref name="body"/> behind its length, as the listener reads it (batches: <see cref="BrokerSerializer.ToFrame"/>).</summary>
    internal static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    public void Dispose()
    {
        lock (_gate) _broken = true;
        _socket.Dispose();
    }
}
