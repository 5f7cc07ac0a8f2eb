using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Admin;

/// <summary>Asks a queue for its counters; answered with <see cref="QueueStats"/>.</summary>
public sealed record GetQueueStats(string Function, IActorRef ReplyTo, bool WithJobs) : IQueueCommand;

public sealed record JobSummary(string Handle, string Unique, int Retries, bool Background);

public sealed record QueueStats(string Function, int High, int Normal, int Low, int Running, int Workers,
    IReadOnlyList<JobSummary> Jobs)
{
    public int Total => High + Normal + Low + Running;
}

/// <summary>maxqueue: a limit per priority, 0 = unlimited. The queue answers OK once the limit holds.</summary>
public sealed record SetMaxQueue(string Function, int High, int Normal, int Low, IActorRef ReplyTo, long Seq) : IQueueCommand;

public sealed record CancelJob(string Function, string Handle, IActorRef ReplyTo, long Seq) : IQueueCommand;

public sealed record CreateFunction(string Function, IActorRef ReplyTo, long Seq) : IQueueCommand;

public sealed record DropFunction(string Function, IActorRef ReplyTo, long Seq) : IQueueCommand;

/// <summary>An admin reply that fills a connection's reply slot with text.</summary>
public sealed record AdminText(long Seq, string Text) : ISlotReply;
