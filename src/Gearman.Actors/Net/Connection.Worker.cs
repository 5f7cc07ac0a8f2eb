using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

// The worker side of a connection: abilities, sleeping, and grabbing across functions in gearmand 1.1.20's order.
public sealed partial class Connection
{
    /// <summary>Registered functions, their order, and which of them may have a job for this worker.</summary>
    private readonly Abilities _abilities = new();
    /// <summary>Jobs this worker holds: handle → the job's actor and its function.</summary>
    private readonly Dictionary<string, (IActorRef Job, string Function, bool Durable)> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingGrab> _grabs = new();
    /// <summary>
    /// Grabs across several functions that wait until every registration is confirmed: a queue tells of its work
    /// before it confirms, so only then does the connection know which queues to ask. The confirmations come back
    /// in parallel; asking each unconfirmed queue in turn instead cost one round trip per function (20,000 in a row
    /// for a worker that had just registered as many).
    /// </summary>
    private readonly List<(long Seq, GrabKind Kind)> _grabsAwaitingRegistrations = new();
    /// <summary>Results of stored jobs whose durable end this worker's next replies wait for: handle → reply slot.</summary>
    private readonly Dictionary<string, long> _awaitingAck = new(StringComparer.Ordinal);
    private bool _sleeping;
    private bool _noopSent;
    private int _roundRobin;
    /// <summary>`workers` must show the new abilities; they are published once per batch of requests.</summary>
    private bool _infoChanged;

    /// <summary>
    /// The function a NO_JOB answered by this connection itself (a grab that timed out) names: a function name never
    /// holds a NUL, so no registration is taken for empty by it.
    /// </summary>
    private const string NoQueue = "\0";

    /// <summary>
    /// A grab across several functions: the functions that may have a job, in the order a grab tries them. Each is
    /// asked in turn, falling through to the next when its job went to another worker meanwhile.
    /// </summary>
    private sealed class PendingGrab
    {
        public required GrabKind Kind;
        public required List<Abilities.Ability> Candidates;
        public int Next;
    }

    /// <summary>
    /// A worker with several functions asks its queues to say when they get work for it (see <see cref="Abilities"/>);
    /// one with a single function grabs from that queue directly and needs no notices.
    /// </summary>
    private bool WantsNotices => _abilities.Count > 1;

    /// <summary>
    /// Whether PRE_SLEEP goes to every queue, which then wakes the worker within its --worker-wakeup limit. A worker
    /// with several functions and no limit set sleeps here instead: the notices its queues send already say when
    /// there is work, and a PRE_SLEEP costs no message per function.
    /// </summary>
    private bool SleepsInQueues => !WantsNotices || _ctx.Settings.WorkerWakeup > 0;

    private void OnCanDo(string function, int timeoutMs)
    {
        var isNew = _abilities.Add(function, timeoutMs);
        if (isNew) TellPlacer(new Links.WorkerCanDo(function));
        if (isNew && _abilities.Count == 2)
        {
            // The first function was registered without notices; from now on grabs rely on them.
            foreach (var other in _abilities.All)
                if (other.Function != function) Register(other);
        }
        _abilities.TryGet(function, out var a);
        Register(a);
        if (_sleeping && !_noopSent && SleepsInQueues) _ctx.ToQueue(new WorkerSleeping(function, Self, _slots.LastSeq), Self, Homes);
        InfoChanged();
    }

    /// <summary>Tells this node's placement actor of a registration change, when queues follow their workers.</summary>
    private void TellPlacer(object change)
    {
        if (!_ctx.Placer.IsNobody()) _ctx.Placer.Tell(change);
    }

    private void Register(Abilities.Ability a, bool again = false)
    {
        _abilities.Sent(a, again);
        _ctx.ToQueue(new RegisterWorker(a.Function, Self, a.TimeoutMs, Announce: WantsNotices), Self, Homes);
    }

    private void OnWorkerRegistered(WorkerRegistered m)
    {
        if (_abilities.Confirmed(m.Function, m.Queue)) Context.Watch(m.Queue);
        StartAwaitingGrabs();
    }

    private void StartAwaitingGrabs()
    {
        if (_abilities.PendingCount > 0 || _grabsAwaitingRegistrations.Count == 0) return;
        var grabs = _grabsAwaitingRegistrations.ToArray();
        _grabsAwaitingRegistrations.Clear();
        // A grab whose slot timed out meanwhile has had its NO_JOB already.
        foreach (var (seq, kind) in grabs)
            if (_slots.TryGetContext(seq, out _)) StartGrab(seq, kind);
    }

    /// <summary>
    /// A queue this worker registered with has stopped (its node died or its shard moved): register again; the
    /// region delivers to the queue's new home, which learns of this worker only this way. A grab waiting on a queue
    /// whose node died gets NO_JOB now; one waiting on a queue that stopped on its own is answered by the queue's next
    /// home, to which the queue sent it on after its jobs (answered NO_JOB here, a grab sent just after a job's
    /// JOB_CREATED missed the job that was moving with its queue).
    /// </summary>
    private void OnQueueTerminated(IActorRef queue, bool nodeLost)
    {
        if (_abilities.QueueStopped(queue) is not { } a) return;
        Register(a, again: true);
        if (_sleeping && !_noopSent && SleepsInQueues) _ctx.ToQueue(new WorkerSleeping(a.Function, Self, _slots.LastSeq), Self, Homes);
        if (nodeLost) AbandonGrabsTo(new[] { a.Function });
        // Until the new home confirms, the sweep sends the registration again.
        EnsureSweeping();
    }

    private void OnCantDo(string function)
    {
        if (!_abilities.Remove(function, out var a)) return;
        TellPlacer(new Links.WorkerCantDo(function));
        if (a.Queue is not null) Context.Unwatch(a.Queue);
        _ctx.ToQueue(new UnregisterWorker(function, Self), Self, Homes);
        ReleaseHeldJobs(function);
        InfoChanged();
        StartAwaitingGrabs();
    }

    private void OnResetAbilities()
    {
        foreach (var a in _abilities.All)
        {
            if (a.Queue is not null) Context.Unwatch(a.Queue);
            _ctx.ToQueue(new UnregisterWorker(a.Function, Self), Self, Homes);
            TellPlacer(new Links.WorkerCantDo(a.Function));
            ReleaseHeldJobs(a.Function);
        }
        _abilities.Clear();
        InfoChanged();
        StartAwaitingGrabs();
    }

    /// <summary>A worker that gives up a function gives up its jobs of that function too; they are requeued (gearmand).</summary>
    private void ReleaseHeldJobs(string function)
    {
        if (_held.Count == 0) return;
        foreach (var (handle, held) in _held.Where(h => h.Value.Function == function).ToList())
        {
            _ctx.Send(held.Job, new ReleaseJob(handle));
            _held.Remove(handle);
        }
    }

    private void OnPreSleep()
    {
        _sleeping = true;
        _noopSent = false;
        if (SleepsInQueues)
        {
            foreach (var a in _abilities.All) _ctx.ToQueue(new WorkerSleeping(a.Function, Self, _slots.LastSeq), Self, Homes);
        }
        // A queue said it has work since this worker's last NO_JOB from it: wake at once, as a queue would.
        else if (_abilities.AnyWork) OnWake();
    }

    /// <summary>Queues may wake a worker more than once; it gets one NOOP per PRE_SLEEP.</summary>
    private void OnWake()
    {
        if (!_sleeping || _noopSent) return;
        _noopSent = true;
        Emit(Outputs.Noop.Instance);
    }

    private void OnWorkAvailable(WorkAvailable m)
    {
        _abilities.WorkAvailable(m.Function);
        if (!SleepsInQueues) OnWake();
    }

    private void OnGrab(GrabKind kind)
    {
        _sleeping = false;
        // NO_JOB is always a fair answer to a grab, so a grab lost with a dying node is given up on soon.
        var seq = Reserve(static s => new NoJob(s, NoQueue), new GrabContext(), _ctx.Settings.GrabTimeout);
        if (_abilities.Count > 1 && _abilities.PendingCount > 0)
        {
            _grabsAwaitingRegistrations.Add((seq, kind));
            return;
        }
        StartGrab(seq, kind);
    }

    private void StartGrab(long seq, GrabKind kind)
    {
        switch (_abilities.Count)
        {
            case 0:
                _slots.Fill(seq, new NoJob(seq, NoQueue));
                DrainSlots();
                return;
            case 1:
                var only = _abilities.All.First();
                AskingQueueOf(seq, only.Function);
                _ctx.ToQueue(new Grab(only.Function, Self, kind, Priority.Low, seq), Self, Homes);
                return;
        }
        var candidates = _abilities.Candidates(_ctx.Settings.RoundRobin, _roundRobin++);
        if (candidates.Count == 0)
        {
            _slots.Fill(seq, new NoJob(seq, NoQueue));
            DrainSlots();
            return;
        }
        var grab = new PendingGrab { Kind = kind, Candidates = candidates };
        _grabs[seq] = grab;
        AskNext(seq, grab);
    }

    /// <summary>A queue answered NO_JOB to a grab across functions: try the next function that may have a job.</summary>
    private void OnGrabProgress(NoJob reply)
    {
        var grab = _grabs[reply.Seq];
        _abilities.NoWork(reply.Function);
        AskNext(reply.Seq, grab);
    }

    private void AskNext(long seq, PendingGrab grab)
    {
        while (grab.Next < grab.Candidates.Count)
        {
            var a = grab.Candidates[grab.Next++];
            // Given up (CANT_DO) or found empty by another grab since this one started.
            if (!_abilities.TryGet(a.Function, out var now) || now != a || !_abilities.MayHaveWork(a)) continue;
            AskingQueueOf(seq, a.Function);
            _ctx.ToQueue(new Grab(a.Function, Self, grab.Kind, Priority.Low, seq), Self, Homes);
            return;
        }
        _grabs.Remove(seq);
        if (_slots.Fill(seq, new NoJob(seq, NoQueue))) DrainSlots();
    }

    /// <summary>Notes which queue a grab waits on, so that a grab whose queue stops is answered at once.</summary>
    private void AskingQueueOf(long seq, string function)
    {
        if (_slots.TryGetContext(seq, out var c) && c is GrabContext g) g.Function = function;
    }

    private void InfoChanged() => _infoChanged = true;

    private void PublishInfoIfChanged()
    {
        if (!_infoChanged) return;
        _infoChanged = false;
        PublishInfo();
    }
}
