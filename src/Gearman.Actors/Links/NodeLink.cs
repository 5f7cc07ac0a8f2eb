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
/// paths, a socket write, a read, a dispatch); docs/cluster.md counts six of them per foreground job. Batching is
/// natural, with no timer: a message arriving here starts a <see cref="FlushLinks"/> note to self, which the mailbox
/// delivers after every message already waiting, so an idle link sends at once and a busy one sends what piled up
/// while it worked. Akka.Remote's own batching waits for a count or a timer instead, which cost a half-busy link
/// two thirds of its throughput (docs/benchmarks.md).
/// Order holds: messages from one actor to another on one node go through this one actor and one remote connection.
/// </remarks>
internal sealed class NodeLink : UntypedActor
{
    public const string Name = "gearman-link";

    /// <summary>A batch goes as soon as its payloads pass this, so a batch stays far below the remote frame size.</summary>
    private const long BatchBytes = 1 << 20;

    private readonly BrokerContext _ctx;
    private readonly Dictionary<Address, Peer> _peers = new();
    private bool _flushPending;

    public NodeLink(BrokerContext ctx) => _ctx = ctx;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new NodeLink(ctx));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Outbound o:
                Enqueue(o.Node, new LinkItem(o.Target, Sender, o.Message), SizeOf(o.Message));
                break;
            case FlushLinks:
                _flushPending = false;
                foreach (var p in _peers.Values) p.Send();
                break;
            case LinkBatch batch:
                foreach (var item in batch.Items)
                {
                    // Whatever this node's actors gave this link before the probe arrived is already queued here,
                    // or went out earlier, so the answer reaches the asker after all of it.
                    if (item.Message is FenceProbe probe && item.Sender is { } asker)
                        Enqueue(asker.Path.Address, new LinkItem(asker, null, new Fenced(probe.Token)), SizeOf(probe));
                    else
                        (item.Target ?? _ctx.Queues).Tell(item.Message, item.Sender);
                }
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

    /// <summary>What waits to go to one other node.</summary>
    private sealed class Peer(IActorRef remote, IActorRef self)
    {
        private List<LinkItem> _items = new();

        public long Bytes { get; private set; }

        public void Add(LinkItem item, long size)
        {
            _items.Add(item);
            Bytes += size;
        }

        public void Send()
        {
            if (_items.Count == 0) return;
            remote.Tell(new LinkBatch(_items), self);
            _items = new List<LinkItem>();
            Bytes = 0;
        }
    }
}
