using Akka.Actor;

namespace Gearman.Actors.Links;

/// <summary>
/// A broker message for an actor on another node, given to this node's <see cref="NodeLink"/> to go in the next batch
/// to that node. Never crosses itself. <see cref="Target"/> null means the queues' shard region on
/// <see cref="Node"/>, which routes the message to its queue wherever that lives.
/// </summary>
internal sealed record Outbound(IActorRef? Target, Address Node, object Message);

/// <summary>One message of a <see cref="LinkBatch"/>: its recipient (null for the shard region), its sender and itself.</summary>
internal readonly record struct LinkItem(IActorRef? Target, IActorRef? Sender, object Message);

/// <summary>
/// Broker messages from one node to another in one Akka.Remote message, in the order they were sent. Each costs the
/// transport once per batch instead of once per message. <paramref name="Acks"/> counts the batches with items that
/// the sender has received from the recipient since its last batch; a batch with no items only carries acks.
/// </summary>
internal sealed record LinkBatch(IReadOnlyList<LinkItem> Items, int Acks = 0);

/// <summary>The <see cref="NodeLink"/>'s note to itself: everything sent to it before this goes out now.</summary>
internal sealed class FlushLinks
{
    public static readonly FlushLinks Instance = new();
    private FlushLinks() { }
}

/// <summary>The <see cref="NodeLink"/>'s timer: a peer that has not acknowledged a batch for a while is sent to again.</summary>
internal sealed class CheckAcks
{
    public static readonly CheckAcks Instance = new();
    private CheckAcks() { }
}

/// <summary>
/// To this node's <see cref="NodeLink"/>: answer the sender with <see cref="Fenced"/> once everything that
/// <see cref="Node"/>'s link was given before it sees this request has arrived here. An actor sends it on a death
/// notice from that node before acting on it, because the notice does not go through the links and can overtake a
/// dead actor's last messages (a worker's WORK_COMPLETE just before it hung up).
/// </summary>
internal sealed record LinkFence(Address Node, string Token);

/// <summary>A <see cref="LinkFence"/> on its way to the other node's link, which sends <see cref="Fenced"/> back to its sender.</summary>
internal sealed record FenceProbe(string Token);

/// <summary>The answer to <see cref="LinkFence"/>: every message the other node's link held for this node has been delivered.</summary>
internal sealed record Fenced(string Token);

/// <summary>From a worker's connection to this node's <see cref="Placement"/>: it registered the function (CAN_DO).</summary>
internal sealed record WorkerCanDo(string Function);

/// <summary>From a worker's connection to this node's <see cref="Placement"/>: it no longer does the function.</summary>
internal sealed record WorkerCantDo(string Function);

/// <summary>
/// From a client's connection to this node's <see cref="Placement"/>: it has submitted <see cref="SubmitTally.Steady"/>
/// jobs for the function.
/// </summary>
internal sealed record ClientSubmits(string Function);

/// <summary>
/// From one node's <see cref="Placement"/> to another's: how many workers on the sender's node do the shard's
/// functions, and how many of its connections submit to them steadily.
/// </summary>
internal sealed record ShardCounts(string Shard, int Workers, int Submitters);

/// <summary>
/// From the receiving <see cref="NodeLink"/> to a worker's connection: the job for its grab <paramref name="Seq"/> is
/// on its way in chunks, <paramref name="Bytes"/> of payload, so the grab waits for it past its usual timeout.
/// </summary>
internal sealed record AssignmentStreaming(long Seq, long Bytes);

/// <summary>
/// From one node's <see cref="NodeLink"/> to another's, through Akka.Remote: on which port does your
/// <see cref="LinkListener"/> take link connections?
/// </summary>
internal sealed class LinkEndpointAsk
{
    public static readonly LinkEndpointAsk Instance = new();
    private LinkEndpointAsk() { }
}

/// <summary>The answer to <see cref="LinkEndpointAsk"/>: the link listener's port, 0 when the node has none.</summary>
internal sealed record LinkEndpoint(int Port);

/// <summary>To the <see cref="NodeLink"/>, from its connect: the TCP link to <paramref name="Node"/> is up.</summary>
internal sealed record LinkConnected(Address Node, LinkSocket Socket);

/// <summary>
/// To the <see cref="NodeLink"/>: the TCP link to <paramref name="Node"/> could not connect (<paramref name="Socket"/>
/// null) or has broken.
/// </summary>
internal sealed record LinkFailed(Address Node, LinkSocket? Socket, string Reason);
