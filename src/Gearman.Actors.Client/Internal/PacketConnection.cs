using System.Buffers;
using System.Net.Sockets;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client.Internal;

/// <summary>Receives what a <see cref="PacketConnection"/> reads. Called on the connection's read loop, one at a time.</summary>
internal interface IFrameSink
{
    /// <summary>One complete packet from the server. Its body is owned by the receiver (the decoder never reuses it).</summary>
    void OnPacket(PacketType type, in ReadOnlySequence<byte> body);

    /// <summary>Called exactly once, after the last packet, when the connection has closed for any reason.</summary>
    void OnClosed(Exception reason);
}

/// <summary>
/// One TCP connection to a job server: a read loop that decodes packets with the protocol library's
/// <see cref="FrameDecoder"/>, and a write side that batches. Writers encode into a shared buffer under a lock
/// (see <see cref="BeginWrite"/>) and a single flush loop sends whatever has piled up, so many requests issued at
/// once leave in few system calls and always in the order they were written.
/// </summary>
internal sealed class PacketConnection
{
    private const int ReceiveBufferSize = 64 * 1024;
    /// <summary>A send buffer that grew past this (a large payload) is dropped rather than kept for reuse.</summary>
    private const int KeepBufferLimit = 1 << 20;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly object _writeLock = new();
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private bool _flushing;
    private Task _flushTask = Task.CompletedTask;
    private IFrameSink? _sink;
    private Exception? _closeReason;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PacketConnection(ServerAddress server, Socket socket)
    {
        Server = server;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public ServerAddress Server { get; }

    /// <summary>Completes when the connection has closed and the sink has been told.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => Volatile.Read(ref _closeReason) is not null;

    /// <summary>Opens a TCP connection, giving up after <paramref name="timeout"/>.</summary>
    public static async Task<PacketConnection> ConnectAsync(ServerAddress server, TimeSpan timeout, CancellationToken cancel)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, limit.Token).ConfigureAwait(false);
            return new PacketConnection(server, socket);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connect to {server} timed out after {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts reading; packets go to <paramref name="sink"/>.</summary>
    public void Start(IFrameSink sink)
    {
        _sink = sink;
        _ = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// Opens the write buffer. Everything written before the scope is disposed leaves together and in order; the
    /// caller may record what it expects back inside the scope, so that its bookkeeping follows the wire order.
    /// False (and nothing to dispose) when the connection is already closed.
    /// </summary>
    public bool TryBeginWrite(out WriteScope scope)
    {
        Monitor.Enter(_writeLock);
        if (_closeReason is not null)
        {
            Monitor.Exit(_writeLock);
            scope = default;
            return false;
        }
        scope = new WriteScope(this);
        return true;
    }

    /// <summary>Like <see cref="TryBeginWrite"/>, but throws <see cref="GearmanConnectionLostException"/> when closed.</summary>
    public WriteScope BeginWrite() =>
        TryBeginWrite(out var scope) ? scope : throw new GearmanConnectionLostException(Server, Volatile.Read(ref _closeReason));

    /// <summary>Best effort: completes when what has been written so far has been handed to the socket.</summary>
    public Task FlushedAsync()
    {
        lock (_writeLock) return _flushTask;
    }

    private void EndWrite()
    {
        var start = !_flushing && _pending.WrittenCount > 0 && _closeReason is null;
        if (start)
        {
            _flushing = true;
            // Runs on the thread pool so that a caller (maybe the read loop) never blocks on a send.
            _flushTask = Task.Run(FlushLoopAsync);
        }
        Monitor.Exit(_writeLock);
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                lock (_writeLock)
                {
                    if (_pending.WrittenCount == 0 || _closeReason is not null)
                    {
                        _flushing = false;
                        return;
                    }
                    (_pending, _sending) = (_sending, _pending);
                }
                await _stream.WriteAsync(_sending.WrittenMemory).ConfigureAwait(false);
                if (_sending.Capacity > KeepBufferLimit) _sending = new ArrayBufferWriter<byte>(4096);
                else _sending.ResetWrittenCount();
            }
        }
        catch (Exception ex)
        {
            lock (_writeLock) _flushing = false;
            Close(ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var decoder = new FrameDecoder();
        var buffer = new byte[ReceiveBufferSize];
        Exception reason;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    reason = new EndOfStreamException("the server closed the connection");
                    break;
                }
                Dispatch(decoder, buffer.AsSpan(0, n));
            }
        }
        catch (Exception ex)
        {
            reason = ex;
        }
        Close(reason);
    }

    private void Dispatch(FrameDecoder decoder, ReadOnlySpan<byte> input)
    {
        while (decoder.TryDecode(ref input, out var frame))
        {
            switch (frame.Kind)
            {
                case FrameKind.Packet when frame.Magic == Magic.Response:
                    _sink!.OnPacket(frame.Type, frame.Body);
                    break;
                case FrameKind.UnknownCommand:
                    // A newer server may send packet types this library does not know; they carry nothing for us.
                    break;
                default:
                    throw new GearmanProtocolException($"{Server} sent {frame} where a response packet was expected");
            }
        }
    }

    /// <summary>Half-closes: the server sees the end of our stream after the bytes already sent, and can still answer.</summary>
    public void ShutdownSend()
    {
        try { _socket.Shutdown(SocketShutdown.Send); } catch (Exception) { /* already gone */ }
    }

    /// <summary>Closes the socket and tells the sink once. Safe to call any number of times from any thread.</summary>
    public void Close(Exception reason)
    {
        lock (_writeLock)
        {
            if (_closeReason is not null) return;
            _closeReason = reason;
        }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already gone */ }
        _stream.Dispose();
        try { _sink?.OnClosed(reason); }
        finally { _closed.TrySetResult(); }
    }

    /// <summary>The open write buffer of <see cref="BeginWrite"/>; holds the write lock until disposed.</summary>
    public readonly ref struct WriteScope
    {
        private readonly PacketConnection _owner;

        internal WriteScope(PacketConnection owner) => _owner = owner;

        public IBufferWriter<byte> Buffer => _owner._pending;

        public void Dispose() => _owner.EndWrite();
    }
}
