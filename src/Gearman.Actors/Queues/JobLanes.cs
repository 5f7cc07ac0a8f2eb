namespace Gearman.Actors.Queues;

/// <summary>
/// The waiting jobs of one function: a FIFO lane per priority, plus epoch jobs that are not yet due.
/// A job that leaves early (cancel, abandoned by its clients) is only flagged; lanes skip flagged jobs when they
/// reach the head, so removal is O(1) and the counts stay exact at all times.
/// </summary>
internal sealed class JobLanes
{
    private readonly Queue<QueuedJob>[] _lanes = { new(), new(), new() };
    private readonly int[] _queued = new int[3];
    private readonly PriorityQueue<QueuedJob, long> _future = new();
    private readonly HashSet<QueuedJob> _scheduled = new(ReferenceEqualityComparer.Instance);

    /// <summary>Waiting jobs of a priority, epoch jobs that are not yet due included (they are normal priority).</summary>
    public int Queued(Priority p) => _queued[(int)p];

    public int TotalQueued => _queued[0] + _queued[1] + _queued[2];

    public void Enqueue(QueuedJob job)
    {
        job.Removed = false;
        _lanes[(int)job.Priority].Enqueue(job);
        _queued[(int)job.Priority]++;
    }

    public void Schedule(QueuedJob job)
    {
        _future.Enqueue(job, job.WhenEpoch);
        _scheduled.Add(job);
        _queued[(int)job.Priority]++;
    }

    /// <summary>The epoch second at which the next scheduled job falls due, if any.</summary>
    public long? NextDue
    {
        get
        {
            while (_future.TryPeek(out var job, out var when))
            {
                if (!job.Removed) return when;
                _future.Dequeue();
            }
            return null;
        }
    }

    /// <summary>Moves scheduled jobs that are due by <paramref name="nowEpoch"/> to the tail of their lane.</summary>
    public bool PromoteDue(long nowEpoch)
    {
        var moved = false;
        while (_future.TryPeek(out var job, out var when) && when <= nowEpoch)
        {
            _future.Dequeue();
            if (!_scheduled.Remove(job) || job.Removed) continue;
            _lanes[(int)job.Priority].Enqueue(job);
            moved = true;
        }
        return moved;
    }

    public Priority? Best()
    {
        for (var p = 0; p < 3; p++)
            if (Head(p) is not null) return (Priority)p;
        return null;
    }

    public bool TryTake(Priority worst, out QueuedJob job)
    {
        for (var p = 0; p <= (int)worst; p++)
        {
            if (Head(p) is { } head)
            {
                _lanes[p].Dequeue();
                _queued[p]--;
                job = head;
                return true;
            }
        }
        job = null!;
        return false;
    }

    /// <summary>Takes a waiting job out of the lanes (or the schedule) wherever it sits.</summary>
    public void Remove(QueuedJob job)
    {
        if (job.Removed) return;
        job.Removed = true;
        _scheduled.Remove(job);
        _queued[(int)job.Priority]--;
    }

    /// <summary>Every waiting job, scheduled ones included, in no particular order.</summary>
    public IEnumerable<QueuedJob> All()
    {
        foreach (var lane in _lanes)
        foreach (var job in lane)
            if (!job.Removed) yield return job;
        foreach (var job in _scheduled)
            if (!job.Removed) yield return job;
    }

    private QueuedJob? Head(int p)
    {
        var lane = _lanes[p];
        while (lane.TryPeek(out var job))
        {
            if (!job.Removed) return job;
            lane.Dequeue();
        }
        return null;
    }
}
