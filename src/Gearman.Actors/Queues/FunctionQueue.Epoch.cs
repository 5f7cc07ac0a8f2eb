namespace Gearman.Actors.Queues;

// Epoch jobs (SUBMIT_JOB_EPOCH): held aside until due, then moved into their lane and their workers woken.
public sealed partial class FunctionQueue
{
    private sealed class EpochDue
    {
        public static readonly EpochDue Instance = new();
    }

    /// <summary>The longest the epoch timer waits before it looks again, in seconds.</summary>
    private const long MaxEpochWait = 24 * 3600;

    /// <summary>About two ticks of Akka's scheduler (10 ms by default), which may run a timer up to a tick early or late.</summary>
    private static readonly TimeSpan EpochMargin = TimeSpan.FromMilliseconds(20);

    /// <summary>Moves due epoch jobs into their lane, waking sleepers for them whoever noticed they were due.</summary>
    private void PromoteDue()
    {
        if (_lanes.NextDue is { } due && due <= NowEpoch() && _lanes.PromoteDue(NowEpoch()))
            _workers.WakeSleepers(_ctx.Settings.WorkerWakeup);
    }

    private void ArmEpochTimer()
    {
        if (_lanes.NextDue is not { } due)
        {
            Timers.Cancel("epoch");
            return;
        }
        // A client may name any epoch (gearmand takes 99999999999999 too); the timer waits at most a day and is armed
        // again when it fires, since a TimeSpan holds no more than about 29,000 years of seconds. The wait runs to the
        // due second itself, not from the current whole second, plus a margin for the scheduler's tick: a timer that
        // fires before the second has begun finds nothing due and is armed again for the milliseconds left, not for
        // another whole second.
        var now = DateTimeOffset.UtcNow;
        var seconds = due - now.ToUnixTimeSeconds();
        var delay = seconds <= 0 ? TimeSpan.Zero
            : seconds >= MaxEpochWait ? TimeSpan.FromSeconds(MaxEpochWait)
            : DateTimeOffset.FromUnixTimeSeconds(due) - now;
        Timers.StartSingleTimer("epoch", EpochDue.Instance, delay + EpochMargin);
    }

    private static long NowEpoch() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
