using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class JobLanesTests
{
    private int _n;

    private QueuedJob Job(Priority p = Priority.Normal, long when = 0) =>
        new($"H:{++_n}", "f", "", null, ReadOnlySequence<byte>.Empty, p, false, when, "");

    private static string? Take(JobLanes lanes, Priority worst = Priority.Low) =>
        lanes.TryTake(worst, out var job) ? job.Handle : null;

    [Fact]
    public void Takes_by_priority_then_fifo()
    {
        var lanes = new JobLanes();
        var l1 = Job(Priority.Low);
        var n1 = Job();
        var h1 = Job(Priority.High);
        var n2 = Job();
        var h2 = Job(Priority.High);
        foreach (var j in new[] { l1, n1, h1, n2, h2 }) lanes.Enqueue(j);

        Assert.Equal(2, lanes.Queued(Priority.High));
        Assert.Equal(2, lanes.Queued(Priority.Normal));
        Assert.Equal(1, lanes.Queued(Priority.Low));
        Assert.Equal(5, lanes.TotalQueued);
        Assert.Equal(Priority.High, lanes.Best());

        var order = new List<string?>();
        for (var i = 0; i < 5; i++) order.Add(Take(lanes));
        Assert.Equal(new[] { h1.Handle, h2.Handle, n1.Handle, n2.Handle, l1.Handle }, order);
        Assert.Equal(0, lanes.TotalQueued);
        Assert.Null(lanes.Best());
        Assert.Null(Take(lanes));
    }

    [Fact]
    public void Worst_limits_the_priorities_taken()
    {
        var lanes = new JobLanes();
        var n = Job();
        var l = Job(Priority.Low);
        lanes.Enqueue(l);
        lanes.Enqueue(n);

        Assert.Null(Take(lanes, Priority.High));
        Assert.Equal(n.Handle, Take(lanes, Priority.Normal));
        Assert.Null(Take(lanes, Priority.Normal));
        Assert.Equal(l.Handle, Take(lanes, Priority.Low));
    }

    [Fact]
    public void Removed_job_is_skipped_and_uncounted()
    {
        var lanes = new JobLanes();
        var a = Job();
        var b = Job();
        var c = Job();
        lanes.Enqueue(a);
        lanes.Enqueue(b);
        lanes.Enqueue(c);

        lanes.Remove(a);
        lanes.Remove(a); // idempotent
        lanes.Remove(c);

        Assert.True(a.Removed);
        Assert.Equal(1, lanes.Queued(Priority.Normal));
        Assert.Equal(new[] { b.Handle }, lanes.All().Select(j => j.Handle));
        Assert.Equal(b.Handle, Take(lanes));
        Assert.Null(Take(lanes));
        Assert.Equal(0, lanes.Queued(Priority.Normal));
    }

    [Fact]
    public void Requeued_job_goes_to_the_tail_of_its_lane()
    {
        var lanes = new JobLanes();
        var h1 = Job(Priority.High);
        var h2 = Job(Priority.High);
        var n1 = Job();
        lanes.Enqueue(h1);
        lanes.Enqueue(h2);
        lanes.Enqueue(n1);

        Assert.Equal(h1.Handle, Take(lanes));
        lanes.Enqueue(h1);

        Assert.Equal(new[] { h2.Handle, h1.Handle, n1.Handle }, new[] { Take(lanes), Take(lanes), Take(lanes) });
    }

    [Fact]
    public void Scheduled_job_is_counted_but_not_runnable_until_promoted()
    {
        var lanes = new JobLanes();
        var e = Job(when: 1000);
        var n = Job();
        lanes.Schedule(e);

        Assert.Equal(1, lanes.Queued(Priority.Normal));
        Assert.Null(lanes.Best());
        Assert.Equal(1000, lanes.NextDue);
        Assert.Null(Take(lanes));
        Assert.Equal(1, lanes.Queued(Priority.Normal)); // a failed take does not change the count

        Assert.False(lanes.PromoteDue(999));
        Assert.Equal(1000, lanes.NextDue);

        lanes.Enqueue(n);
        Assert.Equal(2, lanes.Queued(Priority.Normal));
        Assert.True(lanes.PromoteDue(1000));
        Assert.Null(lanes.NextDue);
        Assert.False(lanes.PromoteDue(2000));

        // The promoted job joins the tail of its lane.
        Assert.Equal(n.Handle, Take(lanes));
        Assert.Equal(e.Handle, Take(lanes));
        Assert.Equal(0, lanes.TotalQueued);
    }

    [Fact]
    public void Scheduled_jobs_fall_due_in_time_order()
    {
        var lanes = new JobLanes();
        var late = Job(when: 30);
        var early = Job(when: 10);
        var mid = Job(when: 20);
        lanes.Schedule(late);
        lanes.Schedule(early);
        lanes.Schedule(mid);

        Assert.Equal(10, lanes.NextDue);
        Assert.True(lanes.PromoteDue(20));
        Assert.Equal(30, lanes.NextDue);
        Assert.Equal(early.Handle, Take(lanes));
        Assert.Equal(mid.Handle, Take(lanes));
        Assert.Null(Take(lanes));
        Assert.Equal(1, lanes.Queued(Priority.Normal));
    }

    [Fact]
    public void Removed_scheduled_job_never_falls_due()
    {
        var lanes = new JobLanes();
        var e = Job(when: 10);
        lanes.Schedule(e);
        Assert.Single(lanes.All());

        lanes.Remove(e);

        Assert.Equal(0, lanes.Queued(Priority.Normal));
        Assert.Empty(lanes.All());
        Assert.Null(lanes.NextDue);
        Assert.False(lanes.PromoteDue(100));
        Assert.Null(Take(lanes));
    }

    [Fact]
    public void All_lists_waiting_and_scheduled_jobs()
    {
        var lanes = new JobLanes();
        var a = Job(Priority.High);
        var b = Job(Priority.Low);
        var s = Job(when: 50);
        lanes.Enqueue(a);
        lanes.Enqueue(b);
        lanes.Schedule(s);

        Assert.Equal(new[] { a.Handle, b.Handle, s.Handle }.OrderBy(h => h),
            lanes.All().Select(j => j.Handle).OrderBy(h => h));
    }
}
