namespace Gearman.Actors.Net;

/// <summary>
/// Keeps a connection's output in request order. Replies to one connection come from different actors (the queues
/// of different functions, admin queries) and can arrive in any order, yet libgearman matches JOB_CREATED to its
/// submits by position. A request that is answered later reserves a slot; output produced while any slot is open
/// queues behind it and leaves once everything before it has been answered.
/// </summary>
internal sealed class ReplySlots
{
    internal sealed class Slot
    {
        public long Seq;
        public object? Reply;
        public bool Filled;
        /// <summary>What the connection needs to remember about the request until its reply arrives.</summary>
        public object? Context;
        /// <summary>Makes the answer to give if no reply arrives in time (its actor, or that actor's node, is gone).</summary>
        public Func<long, Queues.ISlotReply>? Fallback;
        public long ReservedMs;
        public long DeadlineMs;
    }

    private readonly Func<long> _clock;
    private readonly Func<object, long> _sizeOf;
    private readonly Queue<Slot> _order = new();
    private readonly Dictionary<long, Slot> _open = new();
    private long _nextSeq;

    /// <param name="clock">Milliseconds now; <see cref="Environment.TickCount64"/> unless a test sets it.</param>
    /// <param name="sizeOf">The bytes an output will take on the wire, for <see cref="WaitingBytes"/>; 0 unless given.</param>
    public ReplySlots(Func<long>? clock = null, Func<object, long>? sizeOf = null)
    {
        _clock = clock ?? (static () => Environment.TickCount64);
        _sizeOf = sizeOf ?? (static _ => 0);
    }

    /// <summary>Bytes of the output that is ready but waits behind a reply not yet come (as counted by sizeOf).</summary>
    public long WaitingBytes { get; private set; }

    /// <summary>The largest single output waiting behind a reply not yet come; scans them all, so not for every message.</summary>
    public long LargestWaiting()
    {
        long largest = 0;
        foreach (var slot in _order)
            if (slot.Filled) largest = Math.Max(largest, _sizeOf(slot.Reply!));
        return largest;
    }

    /// <summary>The last request number given out: every request sent so far has this number or a lower one.</summary>
    public long LastSeq => _nextSeq;

    /// <summary>True when output may be written at once, because no earlier reply is outstanding.</summary>
    public bool IsEmpty => _order.Count == 0;

    /// <summary>True while some reserved slot still waits for its reply.</summary>
    public bool HasOpen => _open.Count > 0;

    /// <param name="fallback">The reply that fills the slot if nothing arrives within <paramref name="timeout"/>.</param>
    public long Reserve(Func<long, Queues.ISlotReply> fallback, TimeSpan timeout, object? context = null)
    {
        var slot = new Slot { Seq = ++_nextSeq, Context = context, Fallback = fallback, ReservedMs = _clock() };
        slot.DeadlineMs = slot.ReservedMs + (long)timeout.TotalMilliseconds;
        _order.Enqueue(slot);
        _open[slot.Seq] = slot;
        return slot.Seq;
    }

    /// <summary>Gives the open slot <paramref name="seq"/> <paramref name="more"/> time before its fallback (a reply on its way in chunks).</summary>
    public void Extend(long seq, TimeSpan more)
    {
        if (_open.TryGetValue(seq, out var slot)) slot.DeadlineMs += (long)more.TotalMilliseconds;
    }

    /// <summary>
    /// The fallback replies of open slots that are past their deadline, or that <paramref name="abandon"/> picks
    /// (a request whose target is known to be gone). The caller fills the slots with them.
    /// </summary>
    public List<Queues.ISlotReply> Overdue(Func<object?, bool>? abandon = null) =>
        Overdue(_clock(), long.MinValue, 0, abandon);

    /// <summary>
    /// As <see cref="Overdue(Func{object?, bool}?)"/>, and also every slot that was open when a cluster member was
    /// removed at <paramref name="lostAt"/>, or opened in the <paramref name="grace"/> after it (the shard region may
    /// still send to the removed member's regions then), once it has waited <paramref name="grace"/> since the later
    /// of the two: an answer that has not come by then was lost with that member (milliseconds on the slots' clock).
    /// </summary>
    public List<Queues.ISlotReply> Overdue(long lostAt, long grace, Func<object?, bool>? abandon = null) =>
        Overdue(_clock(), lostAt, grace, abandon);

    private List<Queues.ISlotReply> Overdue(long now, long lostAt, long grace, Func<object?, bool>? abandon)
    {
        var due = new List<Queues.ISlotReply>();
        foreach (var slot in _open.Values)
            if (slot.DeadlineMs <= now || LostWith(slot, now, lostAt, grace) || (abandon is not null && abandon(slot.Context)))
                due.Add(slot.Fallback!(slot.Seq));
        return due;
    }

    private static bool LostWith(Slot slot, long now, long lostAt, long grace)
    {
        if (lostAt == long.MinValue || slot.ReservedMs > lostAt + grace) return false;
        return now - Math.Max(slot.ReservedMs, lostAt) >= grace;
    }

    public bool IsOpen(long seq) => _open.ContainsKey(seq);

    /// <summary>True while some open slot's request matches <paramref name="match"/> (by its context).</summary>
    public bool AnyOpen(Func<object?, bool> match)
    {
        foreach (var slot in _open.Values)
            if (match(slot.Context)) return true;
        return false;
    }

    /// <summary>Queues output that is ready now but must wait for the replies ahead of it.</summary>
    public void Enqueue(object output)
    {
        _order.Enqueue(new Slot { Seq = 0, Reply = output, Filled = true });
        WaitingBytes += _sizeOf(output);
    }

    public bool TryGetContext(long seq, out object? context)
    {
        if (_open.TryGetValue(seq, out var slot))
        {
            context = slot.Context;
            return true;
        }
        context = null;
        return false;
    }

    /// <summary>Fills a reserved slot; false when the slot is unknown (already answered).</summary>
    public bool Fill(long seq, object reply)
    {
        if (!_open.Remove(seq, out var slot)) return false;
        slot.Reply = reply;
        slot.Filled = true;
        WaitingBytes += _sizeOf(reply);
        return true;
    }

    /// <summary>Takes the next output that is ready to be written, in order.</summary>
    public bool TryTakeReady(out object output)
    {
        if (_order.TryPeek(out var head) && head.Filled)
        {
            _order.Dequeue();
            output = head.Reply!;
            WaitingBytes -= _sizeOf(output);
            return true;
        }
        output = null!;
        return false;
    }
}
