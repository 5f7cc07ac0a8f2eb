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
    internal const long BatchBytes = 1 << 20;

    /// <summary>Room for a message's fields besides its payload, and for its item's paths.</summary>
    internal const long ItemBytes = 256;

    /// <summary>How long a peer may leave a batch unacknowledged before the next goes anyway.</summary>
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a link connection may take to set up before the peer's batches go through Akka.Remote.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly BrokerContext _ctx;
    private readonly Dictionary<Address, LinkPeer> _peers = new();
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

    private LinkPeer PeerOf(Address node)
    {
        if (_peers.TryGetValue(node, out var peer)) return peer;
        peer = _peers[node] = new LinkPeer(On((ExtendedActorSystem)Context.System, node), Self);
        if (_serializer is not null) peer.AskEndpoint();
        else peer.UseRemoting();
        return peer;
    }

    /// <summary>The link actor of <paramref name="node"/>, as this node's actors address it.</summary>
    internal static IActorRef On(ExtendedActorSystem system, Address node) =>
        system.Provider.ResolveActorRef(new RootActorPath(node) / "user" / Name);

    /// <summary>About what <paramref name="message"/> takes in a batch: its payload and room for the rest.</summary>
    internal static long SizeOf(object message) => ItemBytes + message switch
    {
        RestoreJob m => m.Data.Length,
        RestoreJobs m => m.Jobs.Sum(j => j.Data.Length + ItemBytes),
        PayloadChunk m => m.Bytes.Length,
        _ => PayloadStream.PayloadOf(message).Length,
    };
}
