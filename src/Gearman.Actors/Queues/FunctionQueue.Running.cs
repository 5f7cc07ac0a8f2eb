using System.Buffers;
using Akka.Actor;
using Akka.Event;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

// A job's run: a worker's grab, the job actor that runs it, and its end or return to the lane.
public sealed partial class FunctionQueue
{
    private void OnGrab(Grab m)
    {
        var timeoutMs = _workers.Awake(m.Worker, m.Seq, out var parked);
        PromoteDue();
        if (!_exists || !_lanes.TryTake(m.Worst, out var job))
        {
            AnswerNoJob(m, parked);
            return;
        }
        if (!CrossNode.Fits(m.Worker, job.Data.Length, _ctx.Settings))
        {
            // The worker is on another node and the payload cannot go there in one message. The job fails now rather
            // than wait for a worker on this node that may never come while this one grabs it again and again.
            FailTooLargeToCross(job);
            AnswerNoJob(m, parked);
            return;
        }
        _running[(int)job.Priority]++;
        var runner = parked ?? (_idleRunners.Count > 0 ? _idleRunners.Pop() : Context.ActorOf(JobActor.Props(Self, _ctx)));
        // From here the job actor keeps the listeners; the queue gets them back only if the job returns.
        runner.Tell(new RunJob(job.Handle, job.Listeners.ToArray(), m.Worker, timeoutMs));
        job.Listeners.Clear();
        job.Runner = runner;
        Publish();
        _ctx.Send(m.Worker, new JobAssigned(m.Seq, m.Kind, job.Handle, _function, job.Unique, job.Reducer, job.Data, runner,
            Durable: _writes is not null && job.Background));
    }

    private void AnswerNoJob(Grab m, IActorRef? parked)
    {
        if (parked is not null) _workers.ParkRunner(m.Worker, parked);
        _ctx.Send(m.Worker, new NoJob(m.Seq, m.Function));
        _workers.AnsweredNoJob(m.Worker);
        // A grab limited to better priorities may leave runnable jobs: the worker must not forget them.
        if (_exists && _lanes.Best() is not null) _workers.Announce();
    }

    private void OnJobEnded(JobEnded m)
    {
        ReuseRunner(Sender, m.Worker);
        if (RunBy(m.Handle, Sender) is not { } job)
        {
            // Cancelled or dropped while running: already forgotten.
            if (m.AckSeq != 0) _ctx.Send(m.Worker, new Acknowledged(m.AckSeq));
            return;
        }
        job.Runner = null;
        _running[(int)job.Priority]--;
        Forget(job, m.AckSeq != 0 ? m.Worker : null, m.AckSeq);
    }

    private void OnJobReturned(JobReturned m)
    {
        // Not reused: the job may come back to the same worker, and a result still on its way to this actor for
        // the earlier run could not be told apart from one for the new run.
        Sender.Tell(PoisonPill.Instance);
        if (RunBy(m.Handle, Sender) is not { } job) return;
        job.Runner = null;
        job.Listeners.AddRange(m.Listeners);
        _running[(int)job.Priority]--;
        // A foreground job whose clients all left while it ran is not run again for nobody.
        if (!job.Background && job.Listeners.Count == 0)
        {
            Forget(job);
            return;
        }
        job.Retries++;
        var limit = _ctx.Settings.JobRetries;
        if (limit > 0 && job.Retries >= limit)
        {
            FailListeners(job);
            Forget(job);
            return;
        }
        job.Numerator = job.Denominator = "0";
        _lanes.Enqueue(job);
        _workers.WakeSleepers(_ctx.Settings.WorkerWakeup);
    }

    /// <summary>The job <paramref name="handle"/> if <paramref name="runner"/> runs it; null once it was cancelled or dropped.</summary>
    private QueuedJob? RunBy(string handle, IActorRef runner) =>
        _jobs.TryGetValue(handle, out var job) && runner.Equals(job.Runner) ? job : null;

    /// <summary>
    /// A Job actor whose job ended for good waits for the next one: first for its worker's next job, as it watches
    /// that worker already, else for anyone's, up to <see cref="MaxIdleRunners"/> of those. Its next job has another
    /// handle, which is how it tells late messages for the old one apart. Whatever this queue sent it before now
    /// reaches it before its next job, so it can hand those back first.
    /// </summary>
    private void ReuseRunner(IActorRef runner, IActorRef? worker)
    {
        if (worker is not null && _workers.ParkRunner(worker, runner)) return;
        if (_idleRunners.Count < MaxIdleRunners) _idleRunners.Push(runner);
        else runner.Tell(PoisonPill.Instance);
    }

    private void OnWorkerGone(IActorRef worker)
    {
        if (_workers.Unregister(worker, out var runner) && runner is not null) ReuseRunner(runner, null);
    }

    private void FailTooLargeToCross(QueuedJob job)
    {
        var reason = CrossNode.TooLarge(job.Data.Length, _ctx.Settings);
        Context.GetLogger().Error("event=job-failed function={0} handle={1} background={2} reason=\"{3}\"", _function, job.Handle,
            job.Background, reason);
        FailListeners(job, new WorkEvent(PacketType.WorkException, job.Handle,
            new ReadOnlySequence<byte>(System.Text.Encoding.Latin1.GetBytes(reason))));
        Forget(job);
    }
}
