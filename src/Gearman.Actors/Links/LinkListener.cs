using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Gearman.Actors.Serialization;

namespace Gearman.Actors.Links;

/// <summary>
/// Takes the other nodes' link connections (<see cref="LinkSocket"/>) and hands each batch that arrives to this
/// node's <see cref="NodeLink"/>, as if the sending node's link had sent it through Akka.Remote.
/// </summary>
/// <remarks>
/// Each connection has a thread of its own that blocks in receive: a batch costs one wake-up here, where Akka.Remote's
/// transport took the socket engine's, its event loop's and its endpoint reader's. Connections are few (one per other
/// node). Like Akka.Remote's port, this one trusts whoever connects; bind it where only the cluster reaches it.
/// </remarks>
internal sealed class LinkListener : IDisposable
{
    /// <summary>The largest frame taken: far above a batch (about 1 MiB), far below what would hurt.</summary>
    private const int MaxFrame = 64 << 20;

    /// <summary>The largest hello taken: the magic and an Akka address.</summary>
    private const int MaxHello = 1024;

    private readonly Socket _listener;
    private readonly ExtendedActorSystem _system;
    private readonly IActorRef _link;
    private readonly BrokerSerializer _serializer;
    private readonly string _manifest;
    private readonly ILoggingAdapter _log;
    private readonly List<Socket> _connections = new();
    private volatile bool _disposed;

    public LinkListener(IPEndPoint at, ExtendedActorSystem system, IActorRef link, BrokerSerializer serializer, ILoggingAdapter log)
    {
        (_system, _link, _serializer, _log) = (system, link, serializer, log);
        _manifest = serializer.Manifest(new LinkBatch([]));
        _listener = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(at);
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        new Thread(Accept) { IsBackground = true, Name = "gearman-link-accept" }.Start();
    }

    /// <summary>The port the other nodes' links connect to.</summary>
    public int Port { get; }

    private void Accept()
    {
        while (!_disposed)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (Exception) when (_disposed)
            {
                return;
            }
            catch (SocketException ex)
            {
                _log.Warning("event=link-accept-failed error={0}", ex.SocketErrorCode);
                continue;
            }
            socket.NoDelay = true;
            socket.ReceiveBufferSize = 4 << 20;
            lock (_connections)
            {
                if (_disposed)
                {
                    socket.Dispose();
                    return;
                }
                _connections.Add(socket);
            }
            new Thread(() => Read(socket)) { IsBackground = true, Name = "gearman-link-in" }.Start();
        }
    }

    /// <summary>Reads the hello, then hands every batch to the link until the connection ends.</summary>
    private void Read(Socket socket)
    {
        var frames = new FrameReader(socket);
        Address? from = null;
        try
        {
            // Whatever else connects here (a port scan, a stray client) says no hello within seconds, or a wrong one.
            socket.ReceiveTimeout = 5000;
            var hello = frames.Next(MaxHello);
            if (hello is null || !hello.AsSpan().StartsWith(LinkSocket.Hello)) return;
            socket.ReceiveTimeout = 0;
            from = Address.Parse(Encoding.UTF8.GetString(hello, LinkSocket.Hello.Length, hello.Length - LinkSocket.Hello.Length));
            // The sending node's link: the batch's sender, as when it came through Akka.Remote.
            var peer = NodeLink.On(_system, from);
            while (frames.Next(MaxFrame) is { } frame) _link.Tell(_serializer.FromBinary(frame, _manifest), peer);
        }
        catch (Exception ex) when (!_disposed)
        {
            _log.Warning("event=link-connection-failed from={0} error={1}", from?.ToString() ?? "?", ex.Message);
        }
        catch (Exception)
        {
            // Closing: the socket was disposed under the read.
        }
        finally
        {
            lock (_connections) _connections.Remove(socket);
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
        lock (_connections)
        {
            foreach (var socket in _connections) socket.Dispose();
            _connections.Clear();
        }
    }

    /// <summary>Length-prefixed frames from a socket, read through one buffer so that a small batch takes one receive.</summary>
    private sealed class FrameReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;

        /// <summary>The next frame's body, in an array of its own (messages keep slices of it); null at the end.</summary>
        public byte[]? Next(int max)
        {
            while (_end - _start < 4)
                if (!Fill()) return null;
            var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));
            if (length < 0 || length > max) throw new InvalidDataException($"a link frame of {length} bytes");
            _start += 4;
            var frame = new byte[length];
            var buffered = Math.Min(length, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(frame);
            _start += buffered;
            for (var at = buffered; at < length;)
            {
                var n = socket.Receive(frame, at, length - at, SocketFlags.None);
                if (n == 0) throw new EndOfStreamException("the link connection ended inside a frame");
                at += n;
            }
            return frame;
        }

        private bool Fill()
        {
            if (_start == _end) _start = _end = 0;
            else if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_start, _end) = (0, _end - _start);
            }
            var n = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (n == 0) return false;
            _end += n;
            return true;
        }
    }
}
