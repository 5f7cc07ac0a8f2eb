using Gearman.Actors.Net;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Net;

/// <summary>Which requests get their fallback answer: past their deadline, or waiting since a member was removed.</summary>
public sealed class ReplySlotsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const long Grace = 5_000;
    private long _now = 1_000_000;

    private static Func<long, ISlotReply> Refuse => s => new SubmitRejected(s, "QUEUE_ERROR", "lost");

    private ReplySlots NewSlots() => new(() => _now);

    private static long[] Seqs(List<ISlotReply> replies) => replies.Select(r => ((SubmitRejected)r).Seq).ToArray();

    [Fact]
    public void Without_a_removal_a_request_waits_its_whole_timeout()
    {
        var slots = NewSlots();
        var seq = slots.Reserve(Refuse, Timeout);
        _now += 19_999;
        Assert.Empty(slots.Overdue(long.MinValue, Grace));
        _now += 1;
        Assert.Equal([seq], Seqs(slots.Overdue(long.MinValue, Grace)));
    }

    [Fact]
    public void A_reply_on_its_way_in_chunks_moves_its_requests_deadline_by_the_time_given()
    {
        var slots = NewSlots();
        var seq = slots.Reserve(Refuse, TimeSpan.FromSeconds(5));
        slots.Extend(seq, TimeSpan.FromSeconds(10));
        _now += 14_999;
        Assert.Empty(slots.Overdue(long.MinValue, Grace));
        _now += 1;
        Assert.Equal([seq], Seqs(slots.Overdue(long.MinValue, Grace)));
    }

    [Fact]
    public void A_request_waiting_when_a_member_was_removed_is_answered_once_the_grace_has_passed()
    {
        var slots = NewSlots();
        var before = slots.Reserve(Refuse, Timeout);
        _now += 1_000;
        var removedAt = _now;

        _now = removedAt + Grace - 1;
        Assert.Empty(slots.Overdue(removedAt, Grace));
        _now = removedAt + Grace;
        Assert.Equal([before], Seqs(slots.Overdue(removedAt, Grace)));
    }

    [Fact]
    public void A_request_made_within_the_grace_after_a_removal_waits_at_most_the_grace()
    {
        var slots = NewSlots();
        var removedAt = _now;
        _now += 3_000;
        var soonAfter = slots.Reserve(Refuse, Timeout);

        _now = removedAt + 3_000 + Grace - 1;
        Assert.Empty(slots.Overdue(removedAt, Grace));
        _now += 1;
        Assert.Equal([soonAfter], Seqs(slots.Overdue(removedAt, Grace)));
    }

    [Fact]
    public void A_request_made_after_the_grace_keeps_its_own_deadline()
    {
        var slots = NewSlots();
        var removedAt = _now;
        _now += Grace + 1;
        var reservedAt = _now;
        var later = slots.Reserve(Refuse, Timeout);

        _now = reservedAt + 19_999;
        Assert.Empty(slots.Overdue(removedAt, Grace));
        _now += 1;
        Assert.Equal([later], Seqs(slots.Overdue(removedAt, Grace)));
    }

    [Fact]
    public void An_answered_request_is_not_answered_again()
    {
        var slots = NewSlots();
        var seq = slots.Reserve(Refuse, Timeout);
        var removedAt = _now;
        Assert.True(slots.Fill(seq, new JobAccepted(seq, "H:x:1")));
        _now += Grace;
        Assert.Empty(slots.Overdue(removedAt, Grace));
    }
}
