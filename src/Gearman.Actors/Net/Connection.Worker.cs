using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

// The worker side of a connection: abilities, sleeping, and grabbing with priority across functions.
public sealed partial class Connection
{
    /// <summary>Registered functions, the most recently registered first (the order `workers` lists them in).</summary>
    private readonly List<string> _functions = new();
    /// <summary>Jobs this worker holds: handle → the job's actor and its function.</summary>
    private readonly Dictionary<string, (IActorRef Job, string Function, bool Durable)> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingGrab> _grabs = new();
    /// <summary>Results of stored jobs whose durable end this worker's next replies wait for: handle → reply slot.</summary>
    private readonly Dictionary<string, long> _awaitingAck = new(StringComparer.Ordinal);
    /// <summary>Registered function → its CAN_DO_TIMEOUT and the queue that confirmed the registration.</summary>
    private readonly Dictionary<string, (int TimeoutMs, IActorRef? Queue)> _registrations = new(StringComparer.Ordinal);
    private bool _sleeping;
    /// <summary>The functions a grab goes to, shared by every grab until the abilities change.</summary>
    private GrabContext? _grabContext;
    private bool _noopSent;
    private int _roundRobin;

    /// <summary>
    /// A grab across several functions: first every queue says whether it has a job (and of what priority), then
    /// the worker takes from the first function that has one, in the order <see cref="OrderOf"/> gives, as gearmand
    /// 1.1.20 does: a function's jobs, best priority first, before the next function's (gearmand 2.0 made priority
    /// global across functions).
    /// </summary>
    private sealed class PendingGrab
    {
        public required GrabKind Kind;
        public required int Expected;
        public readonly List<(string Function, Priority Best, int Order)> Offers = new();
        public int Answers;
    }

    private void OnCanDo(string function, int timeoutMs)
    {
        _functions.Remove(function);
        _functions.Insert(0, function);
        _registrations[function] = (timeoutMs, null);
        _ctx.Queues.Tell(new RegisterWorker(function, Self, timeoutMs));
        _grabContext = null;
        PublishInfo();
    }

    private void OnWorkerRegistered(WorkerRegistered m)
    {
        if (!_registrations.TryGetValue(m.Function, out var r)) return;
        _registrations[m.Function] = (r.TimeoutMs, m.Queue);
        Context.Watch(m.Queue);
    }

    /// <summary>
    /// A queue this worker registered with has stopped (its node died or its shard moved): register again; the
    /// region delivers to the queue's new home, which learns of this worker only this way.
    /// </summary>
    private void OnQueueTerminated(IActorRef queue)
    {
        var moved = new List<string>();
        foreach (var (function, r) in _registrations.ToList())
        {
            if (r.Queue is null || !r.Queue.Equals(queue)) continue;
            moved.Add(function);
            _registrations[function] = (r.TimeoutMs, null);
            _ctx.Queues.Tell(new RegisterWorker(function, Self, r.TimeoutMs));
            if (_sleeping && !_noopSent) _ctx.Queues.Tell(new WorkerSleeping(function, Self));
        }
        AbandonGrabsTo(moved);
        // Until the new home confirms, the sweep sends the registrations again.
        if (moved.Count > 0) EnsureSweeping();
    }

    private void OnCantDo(string function)
    {
        if (!_functions.Remove(function)) return;
        _registrations.Remove(function);
        _ctx.Queues.Tell(new UnregisterWorker(function, Self));
        ReleaseHeldJobs(function);
        _grabContext = null;
        PublishInfo();
    }

    private void OnResetAbilities()
    {
        foreach (var function in _functions)
        {
            _ctx.Queues.Tell(new UnregisterWorker(function, Self));
            ReleaseHeldJobs(function);
        }
        _functions.Clear();
        _registrations.Clear();
        _grabContext = null;
        PublishInfo();
    }

    /// <summary>A worker that gives up a function gives up its jobs of that function too; they are requeued (gearmand).</summary>
    private void ReleaseHeldJobs(string function)
    {
        foreach (var (handle, held) in _held.Where(h => h.Value.Function == function).ToList())
        {
            held.Job.Tell(new ReleaseJob(handle));
            _held.Remove(handle);
        }
    }

    private void OnPreSleep()
    {
        _sleeping = true;
        _noopSent = false;
        foreach (var function in _functions) _ctx.Queues.Tell(new WorkerSleeping(function, Self));
    }

    /// <summary>Queues may wake a worker more than once; it gets one NOOP per PRE_SLEEP.</summary>
    private void OnWake()
    {
        if (!_sleeping || _noopSent) return;
        _noopSent = true;
        Emit(Outputs.Noop.Instance);
    }

    private void OnGrab(GrabKind kind)
    {
        _sleeping = false;
        _grabContext ??= new GrabContext(_functions.ToArray());
        // NO_JOB is always a fair answer to a grab, so a grab lost with a dying node is given up on soon.
        var seq = Reserve(static s => new NoJob(s, ""), _grabContext, _ctx.Settings.GrabTimeout);
        switch (_functions.Count)
        {
            case 0:
                _slots.Fill(seq, new NoJob(seq, ""));
                DrainSlots();
                return;
            case 1:
                _ctx.Queues.Tell(new Grab(_functions[0], Self, kind, Priority.Low, seq));
                return;
        }
        _grabs[seq] = new PendingGrab { Kind = kind, Expected = _functions.Count };
        foreach (var function in _functions) _ctx.Queues.Tell(new PeekBest(function, Self, seq));
    }

    private void OnGrabProgress(ISlotReply reply)
    {
        var grab = _grabs[reply.Seq];
        if (reply is BestJob best)
        {
            grab.Answers++;
            if (best.Best is { } p) grab.Offers.Add((best.Function, p, OrderOf(best.Function)));
            if (grab.Answers < grab.Expected) return;
            grab.Offers.Sort((a, b) => a.Order.CompareTo(b.Order));
            _roundRobin++;
        }
        // Take from the best offer left; an offer may have gone to another worker meanwhile, so fall through.
        if (grab.Offers.Count == 0)
        {
            _grabs.Remove(reply.Seq);
            if (_slots.Fill(reply.Seq, new NoJob(reply.Seq, ""))) DrainSlots();
            return;
        }
        var (function, priority, _) = grab.Offers[0];
        grab.Offers.RemoveAt(0);
        if (grab.Offers.Count == 0) _grabs.Remove(reply.Seq);
        _ctx.Queues.Tell(new Grab(function, Self, grab.Kind, priority, reply.Seq));
    }

    /// <summary>
    /// Position of a function in a grab: the newest registration first (<see cref="_functions"/>' order, gearmand
    /// 1.1's worker list), or with round-robin starting one function further from grab to grab.
    /// </summary>
    private int OrderOf(string function)
    {
        var i = _functions.IndexOf(function);
        if (!_ctx.Settings.RoundRobin) return i;
        var n = _functions.Count;
        return ((n - 1 - i) - _roundRobin % n + n) % n;
    }
}
