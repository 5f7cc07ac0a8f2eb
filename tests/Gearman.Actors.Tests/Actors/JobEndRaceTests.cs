using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

/// <summary>
/// The window between a job actor's last message (it tells JobEnded/JobReturned to its queue and stops) and the
/// queue handling that message. While the queue still believes the job runs, it forwards requests to the job
/// actor, which is gone: they end in dead letters and the client waits forever on its reply slot.
/// Each test opens the window a few times; one lost reply fails it.
/// </summary>
public sealed class JobEndRaceTests : QueueTestKit
{
    private const int Rounds = 20;
    private static readonly TimeSpan ReplyWithin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// BUG: a coalesced SUBMIT that reaches the queue just after the worker's WORK_COMPLETE reached the job actor
    /// is forwarded to the stopped actor; the client never gets JOB_CREATED.
    /// </summary>
    [Fact]
    public void Coalesced_submit_racing_the_end_of_the_job_is_always_answered()
    {
        var dead = DeadLetters();
        var worker = CreateTestProbe();
        Register(worker);
        for (var i = 0; i < Rounds; i++)
        {
            var c1 = CreateTestProbe();
            var c2 = CreateTestProbe();
            var handle = Submit(c1, unique: $"u{i}");
            var job = Grab(worker);

            Send(worker, job, Work(PacketType.WorkComplete, handle, "r"));
            var seq = SendSubmit(c2, unique: $"u{i}");

            var accepted = ExpectReply<JobAccepted>(c2, dead, $"round {i}: JOB_CREATED for the coalesced submit");
            Assert.Equal(seq, accepted.Seq);
            ExpectWork(c1, PacketType.WorkComplete, handle, "r");
            if (accepted.Handle == handle) continue;
            // It started a new job: the second client must hear of that one's result.
            var again = Grab(worker);
            Assert.Equal(accepted.Handle, again.Handle);
            Finish(worker, again, Work(PacketType.WorkComplete, again.Handle, "r2"));
            ExpectWork(c2, PacketType.WorkComplete, again.Handle, "r2");
        }
    }

    /// <summary>BUG: the same window loses a GET_STATUS reply (forwarded to the stopped job actor).</summary>
    [Fact]
    public void Get_status_racing_the_end_of_the_job_is_always_answered()
    {
        var dead = DeadLetters();
        var worker = CreateTestProbe();
        Register(worker);
        var client = CreateTestProbe();
        var asker = CreateTestProbe();
        for (var i = 0; i < Rounds; i++)
        {
            var handle = Submit(client);
            var job = Grab(worker);

            Send(worker, job, Work(PacketType.WorkComplete, handle));
            Queue.Tell(new GetJobStatus(Fn, handle, asker.Ref, i));

            var status = ExpectReply<JobStatus>(asker, dead, $"round {i}: STATUS_RES");
            Assert.Equal(handle, status.Handle);
            ExpectWork(client, PacketType.WorkComplete, handle);
        }
    }

    private TestProbe DeadLetters()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        return probe;
    }

    private static T ExpectReply<T>(TestProbe probe, TestProbe deadLetters, string what)
    {
        var reply = probe.ReceiveOne(ReplyWithin);
        if (reply is T t) return t;
        var lost = new List<string>();
        while (deadLetters.HasMessages)
            if (deadLetters.ReceiveOne(TimeSpan.Zero) is DeadLetter d)
                lost.Add($"{d.Message.GetType().Name} → {d.Recipient.Path}");
        Assert.Fail($"{what} never came (got {reply?.GetType().Name ?? "nothing"}); dead letters: [{string.Join(", ", lost)}]");
        return default!;
    }
}
