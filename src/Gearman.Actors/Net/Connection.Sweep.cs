using Akka.Actor;
using Gearman.Actors.Admin;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

// Requests whose answer was lost: a queue's node died with the request in flight, or a registration went to a
// node that was just lost. Nothing a client or worker sent may wait forever, and a request that was waiting when a
// member was removed, or made just after, waits only a short grace, not its whole timeout.
public sealed partial class Connection
{
    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    /// <summary>A grab's reply slot: the function whose queue it waits on now.</summary>
    private sealed class GrabContext
    {
        public string? Function;
    }

    private bool _sweeping;

    /// <summary>Reserves a reply slot that is answered with <paramref name="fallback"/> if no reply comes in time.</summary>
    private long Reserve(Func<long, ISlotReply> fallback, object? context = null, TimeSpan? timeout = null)
    {
        var seq = _slots.Reserve(fallback, timeout ?? _ctx.Settings.RequestTimeout, context);
        EnsureSweeping();
        return seq;
    }

    private void EnsureSweeping()
    {
        if (_sweeping) return;
        _sweeping = true;
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(1));
    }

    private void OnSweep()
    {
        var overdue = _slots.Overdue(_ctx.Losses.LastRemovedAtMs, (long)_ctx.Settings.LostRequestGrace.TotalMilliseconds);
        foreach (var reply in overdue)
        {
            _grabs.Remove(reply.Seq);
            OnSlotReply(reply);
        }
        // Registrations not confirmed yet (their queue was moving) are sent again; queues take them idempotently.
        var unconfirmed = false;
        foreach (var a in _abilities.All)
        {
            if (!_abilities.IsPending(a)) continue;
            unconfirmed = true;
            Register(a, again: true);
            if (_sleeping && !_noopSent && SleepsInQueues) _ctx.ToQueue(new WorkerSleeping(a.Function, Self, _slots.LastSeq), Self, Homes);
        }
        if (!unconfirmed && !_slots.HasOpen)
        {
            _sweeping = false;
            Timers.Cancel("sweep");
        }
    }

    /// <summary>Grabs that went to a queue that has stopped get NO_JOB now; the worker will ask again.</summary>
    private void AbandonGrabsTo(IReadOnlyCollection<string> functions)
    {
        if (functions.Count == 0) return;
        foreach (var reply in _slots.Overdue(c => c is GrabContext { Function: { } f } && functions.Contains(f)))
        {
            _grabs.Remove(reply.Seq);
            OnSlotReply(reply);
        }
    }
}
