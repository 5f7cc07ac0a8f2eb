using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Admin;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

// The admin commands a queue answers: cancel job, drop function, and its counters.
public sealed partial class FunctionQueue
{
    private void OnCancel(CancelJob m)
    {
        if (!_jobs.TryGetValue(m.Handle, out var job))
        {
            _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.UnknownJob));
            return;
        }
        if (job.Runner is { } runner)
        {
            // The job actor fails its listeners; its JobEnded or JobReturned then finds the job forgotten.
            runner.Tell(CancelRunning.Instance);
            _running[(int)job.Priority]--;
        }
        else
        {
            _lanes.Remove(job);
            FailListeners(job);
        }
        Forget(job);
        Publish();
        _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.Ok));
    }

    private void OnDrop(DropFunction m)
    {
        if (!_exists)
        {
            _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.FunctionNotFound));
            return;
        }
        if (_workers.Count > 0)
        {
            _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.FunctionBusy));
            return;
        }
        // Unlike gearmand, which orphans them, waiting jobs of a dropped function fail now.
        foreach (var job in _jobs.Values.ToList())
        {
            if (job.Runner is { } runner)
            {
                runner.Tell(CancelRunning.Instance);
                _running[(int)job.Priority]--;
            }
            else
            {
                FailListeners(job);
                _lanes.Remove(job);
            }
            Forget(job);
        }
        _exists = false;
        _ctx.Directory.RemoveQueue(_slot!);
        _slot = null;
        _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.Ok));
    }

    private void OnGetStats(GetQueueStats m)
    {
        var jobs = m.WithJobs
            ? _jobs.Values.Select(j => new JobSummary(j.Handle, j.Unique, j.Retries, j.Background)).ToList()
            : (IReadOnlyList<JobSummary>)Array.Empty<JobSummary>();
        _ctx.Send(m.ReplyTo, new QueueStats(_function, _lanes.Queued(Priority.High), _lanes.Queued(Priority.Normal),
            _lanes.Queued(Priority.Low), _running[0] + _running[1] + _running[2], _workers.Count, jobs));
    }
}
