using System.Diagnostics;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>SUBMIT_JOB_EPOCH: background jobs that run at a given second.</summary>
[Collection(BrokerCollection.Name)]
public sealed class EpochTests : BrokerTest
{
    public EpochTests(BrokerFixture fx) : base(fx) { }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task An_epoch_job_in_the_past_runs_at_once_and_its_submitter_hears_only_job_created()
    {
        var f = NewName("epoch-past");
        var c = await ConnectAsync("client");
        c.Send(Cmd.SubmitJobEpoch, f, "", (Now - 60).ToString(), "past");
        var h = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        var a = await w.GrabAsync();
        Assert.Equal(new[] { h, f, "past" }, new[] { a.Text(0), a.Text(1), a.Text(2) });
        w.Send(Cmd.WorkComplete, h, "");
        await c.SyncAsync();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.5")]
    public async Task An_epoch_that_is_not_a_whole_number_is_read_as_gearmand_reads_it_and_the_job_runs_at_once(string epoch)
    {
        // gearmand's strtoll: no digits is 0, and a fraction ends the number. Both are in the past.
        var f = NewName("epoch-text");
        var c = await ConnectAsync("client");
        c.Send(Cmd.SubmitJobEpoch, f, "", epoch, "odd");
        var h = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(h, (await w.GrabAsync()).Text(0));
        w.Send(Cmd.WorkComplete, h, "");
    }

    [Fact]
    public async Task An_epoch_beyond_64_bits_is_refused()
    {
        var c = await ConnectAsync("client");
        c.Send(Cmd.SubmitJobEpoch, NewName("epoch-huge"), "", "99999999999999999999", "x");
        Assert.Equal("INVALID_PACKET", (await c.ExpectAsync(Cmd.Error)).Text(0));
    }

    [Fact]
    public async Task A_future_epoch_job_is_not_handed_out_early_and_a_sleeping_worker_is_woken_when_it_is_due()
    {
        var f = NewName("epoch-future");
        var sleeper = await ConnectAsync("sleeper");
        await sleeper.RegisterIdleAsync(f);
        sleeper.Sleep();

        var when = Now + 2; // due in one to two seconds
        var c = await ConnectAsync("client");
        c.Send(Cmd.SubmitJobEpoch, f, "", when.ToString(), "later");
        var h = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);
        Assert.Equal(("1", "0", "0", "0"), await c.GetStatusAsync(h));

        var early = await ConnectAsync("early-worker");
        early.Send(Cmd.CanDo, f);
        early.Send(Cmd.GrabJob);
        await early.ExpectAsync(Cmd.NoJob);

        // Each NOOP is an event; a wakeup that comes too early gets NO_JOB and the worker sleeps again.
        var clock = Stopwatch.StartNew();
        Packet? job = null;
        while (job is null && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await sleeper.ExpectAsync(Cmd.Noop);
            sleeper.Send(Cmd.GrabJob);
            var p = await sleeper.ReceivePacketAsync();
            if (p.Type == Cmd.JobAssign) job = p;
            else
            {
                Assert.Equal(Cmd.NoJob, p.Type);
                sleeper.Sleep();
            }
        }
        Assert.NotNull(job);
        Assert.Equal(h, job!.Text(0));
        Assert.True(Now >= when, $"the job ran before its second ({when}, now {Now})");
    }
}
