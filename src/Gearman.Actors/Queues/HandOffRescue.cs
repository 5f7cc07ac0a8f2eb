using Akka.Actor;
using Akka.Event;

namespace Gearman.Actors.Queues;

/// <summary>
/// Gives the shard region again the queue commands it drops when a shard moves away from this node, so that a move
/// never loses a submit, a registration or a grab.
/// </summary>
/// <remarks>
/// When the coordinator moves a shard, every region forgets the shard's home at BeginHandOff, and the region of the
/// node that hosts it buffers what arrives for the shard until HandOff. At HandOff, that region drops its buffer
/// (Akka's <c>ShardRegion</c>, "Avoiding reordering of buffered messages at shard handoff"), as dead letters wrapped in
/// <see cref="Dropped"/>: by design, so that those messages cannot overtake the ones the shard's entities still hold.
/// With the node link every node sends a queue's commands to the queue's node, so everything that reaches it in that
/// window is lost: a client then waited for its JOB_CREATED until the request timeout (a cluster conformance run saw
/// QUEUE_ERROR after 20 s). Told again after HandOff, the region buffers the command until the coordinator names the
/// next home, which gets it. The price is the order Akka protects: a command given again can reach the next home
/// before the jobs the old queue sends on (<see cref="FunctionQueue"/> adopts those without displacing a job with the
/// same unique id that arrived first). Only drops at hand-off are given again: a drop because a buffer is full would
/// meet the same full buffer.
/// </remarks>
internal sealed class HandOffRescue : UntypedActor
{
    public const string Name = "gearman-handoff-rescue";

    private readonly IActorRef _queues;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _rescued;

    public HandOffRescue(IActorRef queues) => _queues = queues;

    public static Props Props(IActorRef queues) => Akka.Actor.Props.Create(() => new HandOffRescue(queues));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (_rescued > 0) _log.Info("event=handoff-rescue given_again={0}", _rescued);
    }

    protected override void OnReceive(object message)
    {
        // The region tells DeadLetters a Dropped; the dead-letter ref publishes it wrapped in a DeadLetter.
        if (message is DeadLetter { Message: Dropped { Message: IQueueCommand command } dropped } && IsHandOffDrop(dropped.Reason))
        {
            _rescued++;
            _queues.Tell(command, dropped.Sender);
        }
    }

    internal static bool IsHandOffDrop(string reason) => reason.Contains("shard handoff", StringComparison.OrdinalIgnoreCase);
}
