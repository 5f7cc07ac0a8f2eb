using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// What waits to go to one other node, what that node has not yet acknowledged, the payload it is sending here, and
/// how batches reach it. Only the <see cref="NodeLink"/> actor holds and changes it.
/// </summary>
internal sealed class LinkPeer(IActorRef remote, IActorRef self)
{
    /// <summary>How batches reach a peer: its link connection once made, else Akka.Remote.</summary>
    private enum Transport
    {
        /// <summary>The peer was asked for its link port; batches wait.</summary>
        Asking,
        /// <summary>The link connection is being made; batches wait.</summary>
        Connecting,
        Socket,
        Remoting,
    }

    private Transport _transport = Transport.Remoting;
    private LinkSocket? _socket;
    /// <summary>When the link connection began to be set up (<see cref="Transport.Asking"/>).</summary>
    private long _settingUpSince;
    /// <summary>Items not yet in a batch, in the order they came.</summary>
    private readonly LinkedList<(LinkItem Item, long Size)> _waiting = new();
    /// <summary>The payload going out in chunks; what waits behind it goes after its last chunk.</summary>
    private OutgoingPayload? _streaming;
    /// <summary>The recipient and sender of the message whose payload is under way.</summary>
    private object[] _streamingFor = [];
    private long _streams;
    /// <summary>Batches with items sent that the peer has not acknowledged yet.</summary>
    private int _unacked;
    private long _lastProgress = Environment.TickCount64;

    /// <summary>Batches with items received from the peer and not yet acknowledged to it.</summary>
    public int AcksOwed { get; set; }

    /// <summary>The payload the peer is sending in chunks, until its last chunk.</summary>
    public IncomingPayload? Incoming { get; set; }

    /// <summary>Whether a flush would send something: acks owed, or items and room in the window, and a way to send.</summary>
    public bool CanFlush => _transport is Transport.Socket or Transport.Remoting && (AcksOwed > 0 || (HasWaiting && _unacked < Window));

    public bool Asking => _transport == Transport.Asking;

    public bool ConnectingNow => _transport == Transport.Connecting;

    /// <summary>Asks the peer for its link port; batches wait for the connection.</summary>
    public void AskEndpoint()
    {
        _socket?.Dispose();
        _socket = null;
        _transport = Transport.Asking;
        _settingUpSince = Environment.TickCount64;
        _unacked = 0;
        remote.Tell(LinkEndpointAsk.Instance, self);
    }

    public void Connecting() => _transport = Transport.Connecting;

    /// <summary>Takes <paramref name="socket"/> when the peer still waits for it.</summary>
    public bool Connected(LinkSocket socket)
    {
        if (_transport != Transport.Connecting) return false;
        (_transport, _socket) = (Transport.Socket, socket);
        return true;
    }

    /// <summary>Whether <paramref name="socket"/> was this peer's connection; it is then given up.</summary>
    public bool Lost(LinkSocket socket)
    {
        if (!ReferenceEquals(socket, _socket)) return false;
        socket.Dispose();
        _socket = null;
        return true;
    }

    public void UseRemoting()
    {
        _socket?.Dispose();
        (_transport, _socket) = (Transport.Remoting, null);
    }

    /// <summary>Whether the link connection has been setting up for longer than <paramref name="timeout"/>.</summary>
    public bool ConnectOverdue(TimeSpan timeout) =>
        _transport is Transport.Asking or Transport.Connecting && Environment.TickCount64 - _settingUpSince > (long)timeout.TotalMilliseconds;

    public void Close() => _socket?.Dispose();

    private bool HasWaiting => _waiting.Count > 0 || _streaming is not null;

    /// <summary>
    /// Batches that may await their acks: one, so that what piles up meanwhile goes together; while a payload
    /// streams, <see cref="PayloadStream.Window"/>, so that its chunks are not each a round trip apart.
    /// </summary>
    private int Window => _streaming is not null ? PayloadStream.Window : 1;

    public void Add(LinkItem item, long size) => _waiting.AddLast((item, size));

    public void Acked(int batches)
    {
        if (batches == 0) return;
        _unacked = Math.Max(0, _unacked - batches);
        _lastProgress = Environment.TickCount64;
    }

    public void Flush()
    {
        if (!CanFlush) return;
        Send();
        while (HasWaiting && _unacked < Window) Send();
    }

    /// <summary>Sends the next batch (up to <see cref="NodeLink.BatchBytes"/>) with the acks owed.</summary>
    private void Send()
    {
        if (!HasWaiting && AcksOwed == 0) return;
        // Each batch is a new list: through Akka.Remote the last one is being serialized on another thread.
        var batch = new LinkBatch(HasWaiting ? NextBatch() : [], AcksOwed);
        if (_socket is { } socket) socket.Send(batch);
        else remote.Tell(batch, self);
        var items = batch.Items;
        if (items.Count > 0 && _unacked++ == 0) _lastProgress = Environment.TickCount64;
        AcksOwed = 0;
    }

    /// <summary>
    /// The next batch: the next chunk of the payload under way, if any, and the waiting items in order up to
    /// <see cref="NodeLink.BatchBytes"/>. While a payload streams, a small item may go past it, so that one large job does not
    /// hold up every other job between two nodes for as long as it takes to cross; but never past anything sent
    /// before it by its own sender or to its own recipient (the order Akka keeps, which the broker relies on), and
    /// nothing passes an item that keeps the link's whole order (a fence's answer, an item with no sender).
    /// </summary>
    private List<LinkItem> NextBatch()
    {
        var items = new List<LinkItem>();
        long bytes = 0;
        var chunked = false;
        // The sender and recipient of the payload under way, and of every item that waits for it.
        var held = _streaming is not null ? new HashSet<object>(_streamingFor) : null;
        if (_streaming is not null) (chunked, bytes) = (true, AddChunk(items));
        for (var node = _waiting.First; node is not null && bytes < NodeLink.BatchBytes;)
        {
            var (item, size) = node.Value;
            var payload = PayloadStream.PayloadOf(item.Message);
            var streamed = payload.Length > PayloadStream.Threshold;
            if (_streaming is not null && (streamed || held!.Contains(Recipient(item)) || item.Sender is null || held.Contains(item.Sender)))
            {
                // It waits for the payload under way, and so does all that comes after it from its sender or to its recipient.
                if (item.Sender is null || item.Message is Fenced) break;
                held!.Add(item.Sender);
                held.Add(Recipient(item));
                node = node.Next;
                continue;
            }
            var cost = streamed ? NodeLink.ItemBytes : size;
            if (items.Count > 0 && bytes + cost > NodeLink.BatchBytes) break;
            var next = node.Next;
            _waiting.Remove(node);
            node = next;
            bytes += cost;
            if (!streamed)
            {
                items.Add(item);
                continue;
            }
            _streaming = new OutgoingPayload(++_streams, payload);
            var head = PayloadStream.WithPayload(item.Message, ReadOnlySequence<byte>.Empty);
            items.Add(item with { Message = new PayloadHead(_streaming.Stream, payload.Length, head) });
            _streamingFor = item.Sender is null ? [Recipient(item)] : [Recipient(item), item.Sender];
            held = new HashSet<object>(_streamingFor);
            // One chunk per batch: a batch stays below the large-object threshold, and the window paces them.
            if (!chunked) (chunked, bytes) = (true, bytes + AddChunk(items));
        }
        return items;
    }

    /// <summary>Adds the next chunk of the payload under way; returns its size.</summary>
    private long AddChunk(List<LinkItem> items)
    {
        var chunk = _streaming!.Next();
        items.Add(new LinkItem(null, null, chunk));
        if (_streaming.Done) _streaming = null;
        return chunk.Bytes.Length;
    }

    /// <summary>Who an item is for: its actor, or for a queue command its function's queue.</summary>
    private static object Recipient(LinkItem item) =>
        item.Target ?? (object)(item.Message is IQueueCommand c ? "fn:" + c.Function : "queues");

    /// <summary>Whether the last batch has waited for its ack longer than <paramref name="timeout"/>: it then no longer holds the next back.</summary>
    public bool Overdue(TimeSpan timeout)
    {
        if (_unacked == 0 || Environment.TickCount64 - _lastProgress < (long)timeout.TotalMilliseconds) return false;
        _unacked = 0;
        return HasWaiting;
    }
}
