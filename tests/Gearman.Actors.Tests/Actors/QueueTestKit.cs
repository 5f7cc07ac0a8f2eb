using System.Buffers;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Gearman.Actors.Admin;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

/// <summary>
/// An unsharded <see cref="FunctionQueue"/> driven directly with its messages; TestProbes stand in for the client
/// and worker connections. Handles come from a fresh <see cref="BrokerContext"/> per test, so they are predictable
/// ("H:test:1", "H:test:2", ...).
/// </summary>
public abstract class QueueTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected const string Fn = "reverse";
    protected const string Prefix = "H:test";

    protected QueueTestKit() { }

    protected QueueTestKit(Akka.Configuration.Config config) : base(config) { }

    private long _seq = 100;
    private IActorRef? _queue;

    protected BrokerContext Ctx { get; private set; } = new(new BrokerSettings { HandlePrefix = Prefix });

    /// <summary>The queue of <see cref="Fn"/>, started on first use with the current <see cref="Ctx"/>.</summary>
    protected IActorRef Queue => _queue ??= Sys.ActorOf(FunctionQueue.Props(Ctx, sharded: false));

    /// <summary>Replaces the settings; call before the first use of <see cref="Queue"/>.</summary>
    protected void UseSettings(BrokerSettings settings)
    {
        Assert.Null(_queue);
        Ctx = new BrokerContext(settings with { HandlePrefix = Prefix });
    }

    protected long NextSeq() => Interlocked.Increment(ref _seq);

    protected static ReadOnlySequence<byte> Bytes(string s) => new(Encoding.Latin1.GetBytes(s));

    protected static string Text(ReadOnlySequence<byte> data) => Encoding.Latin1.GetString(data.ToArray());

    protected static string H(int n) => $"{Prefix}:{n}";

    /// <summary>CAN_DO / CAN_DO_TIMEOUT; the queue answers every registration with WorkerRegistered.</summary>
    protected void Register(TestProbe worker, int timeoutMs = 0, IActorRef? queue = null, string fn = Fn)
    {
        var q = queue ?? Queue;
        q.Tell(new RegisterWorker(fn, worker.Ref, timeoutMs));
        Assert.Equal(new WorkerRegistered(fn, q), worker.ExpectMsg<WorkerRegistered>());
    }

    protected void Sleeping(TestProbe worker, IActorRef? queue = null, string fn = Fn) =>
        (queue ?? Queue).Tell(new WorkerSleeping(fn, worker.Ref));

    /// <summary>Sends a submit and returns the handle of the JobAccepted that answers it.</summary>
    protected string Submit(TestProbe client, string data = "x", string unique = "", Priority priority = Priority.Normal,
        bool background = false, long whenEpoch = 0, string reducer = "", IActorRef? queue = null, string fn = Fn)
    {
        var seq = SendSubmit(client, data, unique, priority, background, whenEpoch, reducer, queue, fn);
        var accepted = client.ExpectMsg<JobAccepted>();
        Assert.Equal(seq, accepted.Seq);
        return accepted.Handle;
    }

    /// <summary>Sends a submit and returns its seq, without waiting for the answer.</summary>
    protected long SendSubmit(TestProbe client, string data = "x", string unique = "", Priority priority = Priority.Normal,
        bool background = false, long whenEpoch = 0, string reducer = "", IActorRef? queue = null, string fn = Fn)
    {
        var seq = NextSeq();
        (queue ?? Queue).Tell(new Submit(fn, unique, Bytes(data), priority, background, whenEpoch, reducer, client.Ref, seq));
        return seq;
    }

    protected JobAssigned Grab(TestProbe worker, Priority worst = Priority.Low, GrabKind kind = GrabKind.Plain,
        IActorRef? queue = null, string fn = Fn)
    {
        var seq = NextSeq();
        (queue ?? Queue).Tell(new Grab(fn, worker.Ref, kind, worst, seq));
        var assigned = worker.ExpectMsg<JobAssigned>();
        Assert.Equal(seq, assigned.Seq);
        return assigned;
    }

    protected void ExpectNoJob(TestProbe worker, Priority worst = Priority.Low, IActorRef? queue = null, string fn = Fn)
    {
        var seq = NextSeq();
        (queue ?? Queue).Tell(new Grab(fn, worker.Ref, GrabKind.Plain, worst, seq));
        var noJob = worker.ExpectMsg<NoJob>();
        Assert.Equal(seq, noJob.Seq);
        Assert.Equal(fn, noJob.Function);
    }

    protected QueueStats Stats(IActorRef? queue = null, string fn = Fn)
    {
        var probe = CreateTestProbe();
        (queue ?? Queue).Tell(new GetQueueStats(fn, probe.Ref, true));
        return probe.ExpectMsg<QueueStats>();
    }

    protected JobStatus Status(string handle)
    {
        var probe = CreateTestProbe();
        var seq = NextSeq();
        Queue.Tell(new GetJobStatus(Fn, handle, probe.Ref, seq));
        var status = probe.ExpectMsg<JobStatus>();
        Assert.Equal(seq, status.Seq);
        Assert.Equal(handle, status.Handle);
        return status;
    }

    protected UniqueStatus UniqueStatusOf(string unique)
    {
        var probe = CreateTestProbe();
        var seq = NextSeq();
        Queue.Tell(new GetUniqueStatus(Fn, unique, probe.Ref, seq));
        var status = probe.ExpectMsg<UniqueStatus>();
        Assert.Equal(seq, status.Seq);
        return status;
    }

    protected AdminText Admin(Func<IActorRef, long, object> command)
    {
        var probe = CreateTestProbe();
        var seq = NextSeq();
        Queue.Tell(command(probe.Ref, seq));
        var reply = probe.ExpectMsg<AdminText>();
        Assert.Equal(seq, reply.Seq);
        return reply;
    }

    /// <summary>
    /// A round trip through the queue: everything the queue sent while handling earlier messages is in the
    /// recipients' queues once this returns (local Tell enqueues synchronously, and a probe's TestActor takes the
    /// message on the sender's thread). "X did not arrive" is checked after this, with no wait; a timed wait for
    /// silence only shows that nothing came that soon, and costs its time on every run.
    /// </summary>
    protected QueueStats Barrier(IActorRef? queue = null, string fn = Fn) => Stats(queue, fn);

    protected static WorkEvent Work(PacketType type, string handle, string data = "") => new(type, handle, Bytes(data));

    protected static WorkEvent StatusEvent(string handle, string numerator, string denominator) =>
        new(PacketType.WorkStatus, handle, ReadOnlySequence<byte>.Empty, numerator, denominator);

    /// <summary>The worker's connection sends a WORK_* packet to the job's actor.</summary>
    protected static void Send(TestProbe worker, JobAssigned job, WorkEvent e) => job.Job.Tell(e, worker.Ref);

    protected static WorkEvent ExpectWork(TestProbe client, PacketType type, string handle, string? data = null)
    {
        var e = client.ExpectMsg<WorkEvent>();
        Assert.Equal(type, e.Type);
        Assert.Equal(handle, e.Handle);
        if (data is not null) Assert.Equal(data, Text(e.Data));
        return e;
    }

    /// <summary>Stops the worker's connection and waits until it is really gone.</summary>
    protected void Kill(TestProbe worker)
    {
        Watch(worker.Ref);
        Sys.Stop(worker.Ref);
        ExpectTerminated(worker.Ref);
        Unwatch(worker.Ref);
    }

    /// <summary>
    /// Completes a job and waits until its queue has handled the end: a barrier for all that the job's actor and its
    /// queue sent about it.
    /// </summary>
    protected void Finish(TestProbe worker, JobAssigned job, WorkEvent final)
    {
        Send(worker, job, final);
        AwaitHandedBack(job);
    }

    /// <summary>
    /// Waits until a job's actor has handed the job back to its queue and the queue has handled that. A status query
    /// sent to the job actor is answered by the actor while it runs the job, and by the queue once the actor
    /// has told the queue the job's fate (the query follows that message), so the queue's answer is the event.
    /// </summary>
    protected void AwaitHandedBack(JobAssigned job)
    {
        var asker = CreateTestProbe();
        AwaitAssert(() =>
        {
            job.Job.Tell(new GetJobStatus(Fn, job.Handle, asker.Ref, 0));
            Assert.False(asker.ExpectMsg<JobStatus>().Running);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
    }

    protected static long NowEpoch() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
