using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Jobs;

/// <summary>
/// One running job: it relays the worker's WORK_* packets to every waiting client, answers status queries, and
/// gives the job back to its queue if the worker dies or overruns its CAN_DO_TIMEOUT.
/// </summary>
public sealed class JobActor : UntypedActor, IWithTimers
{
    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
    }

    private readonly QueuedJob _job;
    private readonly IActorRef _worker;
    private readonly IActorRef _queue;
    private readonly int _timeoutMs;

    public JobActor(QueuedJob job, IActorRef worker, IActorRef queue, int timeoutMs)
    {
        _job = job;
        _worker = worker;
        _queue = queue;
        _timeoutMs = timeoutMs;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Created for every job a worker takes, so it avoids the cost of expression-compiled Props.</summary>
    internal static Props Props(QueuedJob job, IActorRef worker, IActorRef queue, int timeoutMs) =>
        Akka.Actor.Props.CreateBy(new Producer(job, worker, queue, timeoutMs));

    protected override void PreStart()
    {
        Context.Watch(_worker);
        // gearmand raises timeouts below one second to one second.
        if (_timeoutMs > 0) Timers.StartSingleTimer("timeout", TimedOut.Instance, TimeSpan.FromMilliseconds(Math.Max(_timeoutMs, 1000)));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkEvent e:
                if (e.Type == PacketType.WorkStatus)
                {
                    _job.Numerator = e.Numerator;
                    _job.Denominator = e.Denominator;
                }
                foreach (var listener in _job.Listeners) listener.Tell(e);
                if (e.IsFinal) Finish(new JobEnded(_job, _worker, e.AckSeq));
                break;
            case Submit m:
                // A foreground submit that coalesced onto this running job.
                m.Client.Tell(new JobAccepted(m.Seq, _job.Handle));
                _job.Listeners.Add(m.Client);
                break;
            case RemoveListener m:
                _job.Listeners.RemoveAll(l => l.Equals(m.Client));
                break;
            case GetJobStatus m:
                m.ReplyTo.Tell(new JobStatus(m.Seq, _job.Handle, true, true, _job.Numerator, _job.Denominator));
                break;
            case GetUniqueStatus m:
                m.ReplyTo.Tell(new UniqueStatus(m.Seq, m.Unique, true, true, _job.Numerator, _job.Denominator, _job.Listeners.Count));
                break;
            case CancelRunning:
                var fail = new WorkEvent(PacketType.WorkFail, _job.Handle, ReadOnlySequence<byte>.Empty);
                foreach (var listener in _job.Listeners) listener.Tell(fail);
                _job.Listeners.Clear();
                break;
            case ReleaseJob:
            case Terminated t when t.ActorRef.Equals(_worker):
                Finish(new JobReturned(_job));
                break;
            case TimedOut:
                _worker.Tell(new JobRevoked(_job.Handle));
                Finish(new JobReturned(_job));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Hands the job back to the queue, then waits for the queue to stop this actor. Until then, whatever the queue
    /// routed here before it learned the job's fate goes back to the queue, which now answers it (a coalescing
    /// submit, a status query), so nothing sent to a job that is just ending is lost.
    /// </summary>
    private void Finish(object outcome)
    {
        Timers.CancelAll();
        Context.Unwatch(_worker);
        _queue.Tell(outcome);
        Become(Finished);
    }

    private void Finished(object message)
    {
        switch (message)
        {
            case Submit or GetJobStatus or GetUniqueStatus or RemoveListener:
                _queue.Tell(message);
                break;
            case WorkEvent { AckSeq: not 0 } late:
                // The late result of a worker that timed out: the job went back to its queue, nothing to wait for.
                _worker.Tell(new Acknowledged(late.AckSeq));
                break;
            // Other late results, and everything else, are dropped here.
        }
    }

    private sealed class Producer : IIndirectActorProducer
    {
        private readonly QueuedJob _job;
        private readonly IActorRef _worker;
        private readonly IActorRef _queue;
        private readonly int _timeoutMs;

        public Producer(QueuedJob job, IActorRef worker, IActorRef queue, int timeoutMs) =>
            (_job, _worker, _queue, _timeoutMs) = (job, worker, queue, timeoutMs);

        public Type ActorType => typeof(JobActor);
        public ActorBase Produce() => new JobActor(_job, _worker, _queue, _timeoutMs);
        public void Release(ActorBase actor) { }
    }
}
