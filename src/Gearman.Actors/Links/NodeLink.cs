using Akka.Actor;
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
/// Order holds: messages from one actor to another on one node go through this one actor and one remote connection.
/// </remarks>
internal sealed class NodeLink : UntypedActor, IWithTimers
{
    public const string Name = "gearman-link";

    /// <summary>A batch goes as soon as its payloads pass this, so a batch stays far below the remote frame size.</summary>
    private const long BatchBytes = 1 << 20;

    /// <summary>How long a peer may leave a batch unacknowledged before the next goes anyway.</summary>
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(1);

    private readonly BrokerContext _ctx;
    private readonly Dictionary<Address, Peer> _peers = new();
    private bool _flushPending;

    public NodeLink(BrokerContext ctx) => _ctx = ctx;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new NodeLink(ctx));

    protected override void PreStart() => Timers.StartPeriodicTimer("acks", CheckAcks.Instance, AckTimeout);

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
                    // Whatever this node's actors gave this link before the probe arrived is already queued here,
                    // or went out earlier, so the answer reaches the asker after all of it.
                    if (item.Message is FenceProbe probe && item.Sender is { } asker)
                        Enqueue(asker.Path.Address, new LinkItem(asker, null, new Fenced(probe.Token)), SizeOf(probe));
                    else
                        (item.Target ?? _ctx.Queues).Tell(item.Message, item.Sender);
                }
                if (batch.Items.Count > 0) peer.AcksOwed++;
                if (peer.CanFlush) ScheduleFlush();
                break;
            case CheckAcks:
                foreach (var p in _peers.Values)
                    if (p.Overdue(AckTimeout)) ScheduleFlush();
                break;
            case LinkFence f:
                Enqueue(f.Node, new LinkItem(null, Sender, new FenceProbe(f.Token)), SizeOf(f));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Adds <paramref name="item"/> to the next batch for <paramref name="node"/>, which goes out once the mailbox is drained.</summary>
    private void Enqueue(Address node, LinkItem item, long size)
    {
        var peer = PeerOf(node);
        if (peer.Bytes + size > BatchBytes) peer.Send();
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
        return _peers[node] = new Peer(remote, Self);
    }

    /// <summary>About what <paramref name="message"/> takes in a batch: its payload and room for the rest.</summary>
    internal static long SizeOf(object message) => 256 + message switch
    {
        Submit m => m.Data.Length,
        JobAssigned m => m.Data.Length,
        WorkEvent m => m.Data.Length,
        RestoreJob m => m.Data.Length,
        RestoreJobs m => m.Jobs.Sum(j => j.Data.Length + 256L),
        _ => 0,
    };

    /// <summary>What waits to go to one other node, and what that node has not yet acknowledged.</summary>
    private sealed class Peer(IActorRef remote, IActorRef self)
    {
        private List<LinkItem> _items = new();
        /// <summary>Whether a batch with items went out that the peer has not acknowledged yet.</summary>
        private bool _awaitingAck;
        private long _lastProgress = Environment.TickCount64;

        public long Bytes { get; private set; }

        /// <summary>Batches with items received from the peer and not yet acknowledged to it.</summary>
        public int AcksOwed { get; set; }

        /// <summary>Whether a flush would send something: acks owed, or items and no batch awaiting its ack.</summary>
        public bool CanFlush => AcksOwed > 0 || (_items.Count > 0 && !_awaitingAck);

        public void Add(LinkItem item, long size)
        {
            _items.Add(item);
            Bytes += size;
        }

        public void Acked(int batches)
        {
            if (batches == 0) return;
            _awaitingAck = false;
            _lastProgress = Environment.TickCount64;
        }

        public void Flush()
        {
            if (CanFlush) Send();
        }

        /// <summary>Sends what waits, with the acks owed, whether or not the last batch was acknowledged.</summary>
        public void Send()
        {
            if (_items.Count == 0 && AcksOwed == 0) return;
            // An ack alone must not carry the list that keeps filling here: the batch is serialized on another thread.
            remote.Tell(new LinkBatch(_items.Count > 0 ? _items : Array.Empty<LinkItem>(), AcksOwed), self);
            if (_items.Count > 0)
            {
                _awaitingAck = true;
                _lastProgress = Environment.TickCount64;
                _items = new List<LinkItem>();
                Bytes = 0;
            }
            AcksOwed = 0;
        }

        /// <summary>Whether the last batch has waited for its ack longer than <paramref name="timeout"/>: it then no longer holds the next back.</summary>
        public bool Overdue(TimeSpan timeout)
        {
            if (!_awaitingAck || Environment.TickCount64 - _lastProgress < (long)timeout.TotalMilliseconds) return false;
            _awaitingAck = false;
            return _items.Count > 0;
        }
    }
}
