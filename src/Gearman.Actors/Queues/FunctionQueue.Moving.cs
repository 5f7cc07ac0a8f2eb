using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Admin;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

// Jobs arriving with their handles already given: recovered from the store, or handed over by the queue's former home.
public sealed partial class FunctionQueue
{
    /// <summary>
    /// The shard moves to another node: every job goes to the queue's next home through the region, which holds
    /// the messages until that home is ready. Jobs a worker was running go back as waiting jobs, so they may run
    /// twice (at-least-once); waiting jobs move exactly. Workers register again when they see this queue stop.
    /// A running job's listeners are its job actor's to know, so the queue first asks each running job back
    /// (<see cref="GiveBackJob"/>) and sends the jobs on once every one has returned or ended.
    /// </summary>
    private void OnHandOff()
    {
        // A node that shuts down alone has no next home for its jobs; sending them would only stall the shutdown.
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var othersUp = cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress));
        if (!_exists || othersUp == 0)
        {
            StopWhenWritten();
            return;
        }
        _handingOff = true;
        foreach (var job in _jobs.Values)
        {
            if (job.Runner is not { } runner) continue;
            runner.Tell(GiveBackJob.Instance);
            _runningAskedBack++;
        }
        if (_runningAskedBack == 0) SendJobsOn();
    }

    /// <summary>While handing off: only the running jobs' answers are handled here; commands go on to the next home.</summary>
    private void HandingOff(object message)
    {
        switch (message)
        {
            case JobEnded m:
                OnJobEnded(m);
                break;
            case JobReturned m:
                OnJobReturned(m);
                break;
            case IQueueCommand when _sharded:
                _ctx.Queues.Forward(message);
                return;
            default:
                return;
        }
        // A job that ended on its own just before it was asked back answers with JobEnded, and GiveBackJob then
        // reaches an idle actor, which ignores it: either way each running job answers once.
        if (--_runningAskedBack == 0) SendJobsOn();
    }

    private void SendJobsOn()
    {
        _ctx.Queues.Tell(new RestoreQueue(_function, _maxQueue[0], _maxQueue[1], _maxQueue[2]));
        // Durable jobs are in the shared journal, where the next home recovers them; only the rest travel.
        foreach (var job in _jobs.Values.Where(j => _store is null || !j.Background))
        {
            _ctx.Queues.Tell(new RestoreJob(_function, job.Handle, job.Unique, job.UniqueKey, job.Data, job.Priority,
                job.Background, job.WhenEpoch, job.Reducer, job.Listeners.ToArray(), job.Retries));
        }
        StopWhenWritten();
    }

    private void OnRestore(RestoreJob m)
    {
        if (_jobs.ContainsKey(m.Handle)) return;
        var job = new QueuedJob(m.Handle, m.Function, m.Unique, m.UniqueKey, m.Data, m.Priority, m.Background, m.WhenEpoch, m.Reducer)
        {
            Retries = m.Retries,
        };
        job.Listeners.AddRange(m.Listeners);
        Adopt(job);
        foreach (var listener in job.Listeners) _ctx.Send(listener, new JobMoved(job.Handle));
    }

    /// <summary>Takes in a job that already has its handle: one recovered from the store or handed over by a former home.</summary>
    private void Adopt(QueuedJob job)
    {
        Create(job.Function);
        if (_jobs.ContainsKey(job.Handle)) return;
        job.Order = ++_arrivals;
        _jobs[job.Handle] = job;
        if (job.UniqueKey is not null) _byUnique[job.UniqueKey] = job;
        _ctx.Directory.AddJob(job.Handle, _function, StatusUnique(job), job.Data.Length);
        if (job.WhenEpoch > NowEpoch())
        {
            _lanes.Schedule(job);
            ArmEpochTimer();
            return;
        }
        _lanes.Enqueue(job);
        _workers.WakeSleepers(_ctx.Settings.WorkerWakeup);
    }

    /// <summary>The queue's durable jobs, oldest first: what a snapshot of its store holds.</summary>
    private IReadOnlyList<Persistence.StoredJob> DurableJobs()
    {
        var jobs = new List<QueuedJob>(_jobs.Count);
        foreach (var job in _jobs.Values)
            if (job.Background) jobs.Add(job);
        jobs.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        return jobs.ConvertAll(ToStored);
    }

    private static Persistence.StoredJob ToStored(QueuedJob j) =>
        new(j.Function, j.Handle, j.Unique, j.UniqueKey, j.Data, j.Priority, j.WhenEpoch, j.Reducer);

    private static QueuedJob FromStore(Persistence.StoredJob s) =>
        new(s.Handle, s.Function, s.Unique, s.UniqueKey, s.Data, s.Priority, background: true, s.WhenEpoch, s.Reducer);
}
