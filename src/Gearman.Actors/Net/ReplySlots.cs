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
    }

    private readonly Queue<Slot> _order = new();
    private readonly Dictionary<long, Slot> _open = new();
    private long _nextSeq;

    /// <summary>True when output may be written at once, because no earlier reply is outstanding.</summary>
    public bool IsEmpty => _order.Count == 0;

    public long Reserve(object? context = null)
    {
        var slot = new Slot { Seq = ++_nextSeq, Context = context };
        _order.Enqueue(slot);
        _open[slot.Seq] = slot;
        return slot.Seq;
    }

    /// <summary>Queues output that is ready now but must wait for the replies ahead of it.</summary>
    public void Enqueue(object output) => _order.Enqueue(new Slot { Seq = 0, Reply = output, Filled = true });

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
        return true;
    }

    /// <summary>Takes the next output that is ready to be written, in order.</summary>
    public bool TryTakeReady(out object output)
    {
        if (_order.TryPeek(out var head) && head.Filled)
        {
            _order.Dequeue();
            output = head.Reply!;
            return true;
        }
        output = null!;
        return false;
    }
}
