using System.Buffers;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Gearman.Actors.Serialization;
using Gearman.Actors.Jobs;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// Carries this node's broker messages to the other nodes in batches, one Akka.Remote message per batch, and hands
/// out the batches other nodes send here.
/// </summary>
/// <remarks>
/// Each remote message costs its sender and its receiver the transport's whole path (envelope, recipient and sender
/// paths, a socket write, a read, a dispatch, and on this machine above all the thread wake-ups on both sides);
/// docs/cluster.md counts the messages per job. Batching is natural, with no timer: a link sends a peer a batch when
/// its mailbox is drained (a <see cref="FlushLinks"/> note to self goes behind whatever waits) and the peer has
/// acknowledged the previous one, so an idle link sends at once and a busy one sends what piled up during one round
/// trip. Without the acknowledgement a link sent about as soon as each message came: a queue's node sent 1.1 batches
/// per foreground job. The acknowledgement rides in the peer's next batch, or alone when the peer has nothing to
/// send, so two busy links clock each other: each sends one batch per batch it receives. A batch with no answer for
/// <see cref="AckTimeout"/> (it was lost with its association) no longer holds the next one back. Akka.Remote's own
/// batching waits for a count or a timer instead, which cost a half-busy link two thirds of its throughput
/// (docs/benchmarks.md).
/// Order holds: messages from one actor to another on one node go through this one actor and one connection.
/// The batches go on a TCP connection of the link's own to each other node (<see cref="LinkSocket"/>,
/// <see cref="LinkListener"/>), written from this actor's thread and read by a thread that hands them to the receiving
/// link: through Akka.Remote a batch also woke the endpoint writer, the transport's event loop and the endpoint reader
/// (docs/benchmarks.md). A node whose link connection cannot be made within <see cref="ConnectTimeout"/> (a firewall,
/// gearman.link-port = -1) gets its batches through Akka.Remote, as one remote message each.
/// </remarks>
internal sealed class NodeLink : UntypedActor, IWithTimers
{
    public const string Name = "gearman-link";

    /// <summary>
    /// What one batch carries at most (one message with a payload up to <see cref="PayloadStream.Threshold"/> may take
    /// it past this; a larger payload goes in chunks), so a batch stays far below the remote frame size.
    /// </summary>
    private const long BatchBytes = 1 << 20;

    /// <summary>Room for a message's fields besides its payload, and for its item's paths.</summary>
    private const long ItemBytes = 256;

    /// <summary>How long a peer may leave a batch unacknowledged before the next goes anyway.</summary>
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a link connection may take to set up before the peer's batches go through Akka.Remote.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly BrokerContext _ctx;
    private readonly Dictionary<Address, Peer> _peers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _flushPending;
    /// <summary>Writes and reads the batches on link connections; null when the link has none (batches go through Akka.Remote).</summary>
    private BrokerSerializer? _serializer;
    /// <summary>Takes the other nodes' link connections; null when this node has none.</summary>
    private LinkListener? _listener;

    public NodeLink(BrokerContext ctx) => _ctx = ctx;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new NodeLink(ctx));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("acks", CheckAcks.Instance, AckTimeout);
        // A peer that leaves the cluster takes with it what still waits for it (an actor test's system has no cluster).
        if (InCluster) Cluster.Get(Context.System).Subscribe(Self, typeof(ClusterEvent.MemberRemoved));
        if (_ctx.Settings.LinkPort < 0) return;
        _serializer = Context.System.Serialization.FindSerializerForType(typeof(LinkBatch)) as BrokerSerializer;
        if (_serializer is null) return;
        try
        {
            _listener = new LinkListener(ListenAt(), (ExtendedActorSystem)Context.System, Self, _serializer, _log);
            _log.Info("event=link-listening port={0}", _listener.Port);
        }
        catch (Exception ex)
        {
            // The other nodes then hear port 0 and send through Akka.Remote; this node still connects to theirs.
            _log.Warning("event=link-listen-failed port={0} error={1}", _ctx.Settings.LinkPort, ex.Message);
        }
    }

    protected override void PostStop()
    {
        if (InCluster) Cluster.Get(Context.System).Unsubscribe(Self);
        _listener?.Dispose();
        foreach (var peer in _peers.Values) peer.Close();
    }

    private bool InCluster => ((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.ClusterActorRefProvider;

    /// <summary>Akka.Remote's bind host (or its advertised host), with <c>gearman.link-port</c>.</summary>
    private IPEndPoint ListenAt()
    {
        var tcp = Context.System.Settings.Config.GetConfig("akka.remote.dot-netty.tcp");
        var host = tcp?.GetString("bind-hostname", "") is { Length: > 0 } bind ? bind : tcp?.GetString("hostname", "") ?? "";
        var address = host.Length == 0 || host == "0.0.0.0" ? IPAddress.Any
            : IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault() ?? IPAddress.Any;
        return new IPEndPoint(address, _ctx.Settings.LinkPort);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Outbound o:
                Enqueue(o.Node, new LinkItem(o.Target, Sender, o.Message), SizeOf(o.Message));
                break;
            case FlushLinks:
                _flushPending = false;
                foreach (var p in _peers.Values) p.Flush();
                break;
            case LinkBatch batch:
                var peer = PeerOf(Sender.Path.Address);
                peer.Acked(batch.Acks);
                foreach (var item in batch.Items)
                {
                    switch (item.Message)
                    {
                        // Whatever this node's actors gave this link before the probe arrived is already queued here,
                        // or went out earlier, so the answer reaches the asker after all of it.
                        case FenceProbe probe when item.Sender is { } asker:
                            Enqueue(asker.Path.Address, new LinkItem(asker, null, new Fenced(probe.Token)), SizeOf(probe));
                            break;
                        case PayloadHead head:
                            peer.Incoming = new IncomingPayload(head, item);
                            // A worker's grab times out in seconds; a large job takes longer to arrive.
                            if (head.Message is JobAssigned job && item.Target is { } worker) worker.Tell(new AssignmentStreaming(job.Seq, head.Length));
                            break;
                        case PayloadChunk chunk:
                            // A chunk of a stream that is not the one under way belongs to one lost with its batch.
                            if (peer.Incoming is not { } incoming || incoming.Stream != chunk.Stream) break;
                            if (incoming.Add(chunk.Bytes) is not { } whole) break;
                            peer.Incoming = null;
                            Deliver(whole);
                            break;
                        default:
                            Deliver(item);
                            break;
                    }
                }
                if (batch.Items.Count > 0) peer.AcksOwed++;
                if (peer.CanFlush) ScheduleFlush();
                break;
            case CheckAcks:
                foreach (var (node, p) in _peers)
                {
                    if (p.ConnectOverdue(ConnectTimeout))
                    {
                        _log.Warning("event=link-through-remoting node={0} reason=\"no link connection within {1} s\"", node, ConnectTimeout.TotalSeconds);
                        p.UseRemoting();
                    }
                    if (p.Overdue(AckTimeout) || p.CanFlush) ScheduleFlush();
                }
                break;
            case LinkEndpointAsk:
                Sender.Tell(new LinkEndpoint(_listener?.Port ?? 0));
                break;
            case LinkEndpoint m:
                OnEndpoint(Sender.Path.Address, m.Port);
                break;
            case LinkConnected m:
                if (_peers.TryGetValue(m.Node, out var connecting) && connecting.Connected(m.Socket)) ScheduleFlush();
                else m.Socket.Dispose();
                break;
            case LinkFailed m:
                OnLinkFailed(m);
                break;
            case ClusterEvent.MemberRemoved removed:
                if (_peers.Remove(removed.Member.Address, out var gone)) gone.Close();
                break;
            case LinkFence f:
                Enqueue(f.Node, new LinkItem(null, Sender, new FenceProbe(f.Token)), SizeOf(f));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The peer's link listener is at <paramref name="port"/> (0: it has none): connect to it.</summary>
    private void OnEndpoint(Address node, int port)
    {
        if (!_peers.TryGetValue(node, out var peer) || !peer.Asking) return;
        if (port == 0 || _serializer is null || node.Host is null)
        {
            _log.Info("event=link-through-remoting node={0} reason=\"the node takes no link connections\"", node);
            peer.UseRemoting();
            ScheduleFlush();
            return;
        }
        peer.Connecting();
        var (self, serializer) = (Self, _serializer);
        LinkSocket.ConnectAsync(node.Host, port, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress, serializer,
                (socket, ex) => self.Tell(new LinkFailed(node, socket, ex.Message)), ConnectTimeout)
            .ContinueWith(t => self.Tell(t.IsCompletedSuccessfully
                ? new LinkConnected(node, t.Result)
                : new LinkFailed(node, null, t.Exception?.GetBaseException().Message ?? "cancelled")), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// A link connection could not be made: the peer's batches go through Akka.Remote. One that broke (the peer
    /// stopped, or the network failed) is made again: batches that were on it are lost, as with a lost association,
    /// and the unacknowledged ones no longer hold the next back.
    /// </summary>
    private void OnLinkFailed(LinkFailed m)
    {
        if (!_peers.TryGetValue(m.Node, out var peer)) return;
        if (m.Socket is null)
        {
            if (!peer.ConnectingNow) return;
            _log.Warning("event=link-through-remoting node={0} reason=\"{1}\"", m.Node, m.Reason);
            peer.UseRemoting();
        }
        else
        {
            if (!peer.Lost(m.Socket)) return;
            _log.Warning("event=link-connection-lost node={0} error=\"{1}\"", m.Node, m.Reason);
            peer.AskEndpoint();
        }
        ScheduleFlush();
    }

    private void Deliver(LinkItem item) => (item.Target ?? _ctx.Queues).Tell(item.Message, item.Sender);

    /// <summary>Queues <paramref name="item"/> for <paramref name="node"/>; it goes in the first batch with room once the mailbox is drained.</summary>
    private void Enqueue(Address node, LinkItem item, long size)
    {
        var peer = PeerOf(node);
        peer.Add(item, size);
        if (peer.CanFlush) ScheduleFlush();
    }

    private void ScheduleFlush()
    {
        if (_flushPending) return;
        _flushPending = true;
        Self.Tell(FlushLinks.Instance);
    }

    private Peer PeerOf(Address node)
    {
        if (_peers.TryGetValue(node, out var peer)) return peer;
        var remote = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(new RootActorPath(node) / "user" / Name);
        peer = _peers[node] = new Peer(remote, Self);
        if (_serializer is not null) peer.AskEndpoint();
        else peer.UseRemoting();
        return peer;
    }

    /// <summary>About what <paramref name="message"/> takes in a batch: its payload and room for the rest.</summary>
    internal static long SizeOf(object message) => ItemBytes + message switch
    {
        RestoreJob m => m.Data.Length,
        RestoreJobs m => m.Jobs.Sum(j => j.Data.Length + ItemBytes),
        PayloadChunk m => m.Bytes.Length,
        _ => PayloadStream.PayloadOf(message).Length,
    };

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

    /// <summary>What waits to go to one other node, what that node has not yet acknowledged, and the payload it is sending here.</summary>
    private sealed class Peer(IActorRef remote, IActorRef self)
    {
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

        /// <summary>Sends the next batch (up to <see cref="BatchBytes"/>) with the acks owed.</summary>
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
        /// <see cref="BatchBytes"/>. While a payload streams, a small item may go past it, so that one large job does not
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
            for (var node = _waiting.First; node is not null && bytes < BatchBytes;)
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
                var cost = streamed ? ItemBytes : size;
                if (items.Count > 0 && bytes + cost > BatchBytes) break;
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
}
