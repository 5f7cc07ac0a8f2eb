using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>Unique ids: coalescing of submits into one job, and relaying its events to every attached client.</summary>
[Collection(BrokerCollection.Name)]
public sealed class CoalescingTests : BrokerTest
{
    public CoalescingTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task Same_function_and_unique_give_one_job_with_the_first_payload_and_every_client_gets_the_result()
    {
        var f = NewName("co");
        var u = NewName("u");
        var c1 = await ConnectAsync("c1");
        var c2 = await ConnectAsync("c2");
        var h1 = await c1.SubmitAsync(Cmd.SubmitJob, f, u, "first");
        var h2 = await c2.SubmitAsync(Cmd.SubmitJob, f, u, "second");
        Assert.Equal(h1, h2);

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var a = await worker.GrabAsync();
        Assert.Equal("first", a.Text(2));
        worker.Send(Cmd.WorkComplete, h1, "result");
        foreach (var c in new[] { c1, c2 })
        {
            var done = await c.ExpectAsync(Cmd.WorkComplete);
            Assert.Equal(h1, done.Text(0));
            Assert.Equal("result", done.Text(1));
        }
        // One job only: nothing else to grab.
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
    }

    [Fact]
    public async Task Unique_is_per_function_and_an_empty_unique_never_coalesces()
    {
        var fa = NewName("co-a");
        var fb = NewName("co-b");
        var c = await ConnectAsync();
        var ha = await c.SubmitAsync(Cmd.SubmitJobBg, fa, "same", "x");
        var hb = await c.SubmitAsync(Cmd.SubmitJobBg, fb, "same", "x");
        Assert.NotEqual(ha, hb);

        var e1 = await c.SubmitAsync(Cmd.SubmitJobBg, fa, "", "x");
        var e2 = await c.SubmitAsync(Cmd.SubmitJobBg, fa, "", "x");
        Assert.NotEqual(e1, e2);
        Assert.DoesNotContain(e1, new[] { ha, hb });
    }

    [Fact]
    public async Task Dash_unique_coalesces_on_the_payload()
    {
        var f = NewName("dash");
        var c = await ConnectAsync();
        var p1 = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "payload-one");
        var p1Again = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "payload-one");
        var p2 = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "payload-two");
        Assert.Equal(p1, p1Again);
        Assert.NotEqual(p1, p2);

        // An empty payload with "-" does not coalesce.
        var empty1 = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "");
        var empty2 = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "");
        Assert.NotEqual(empty1, empty2);

        // "-" with a payload equal to a real unique does not join that unique's job.
        var real = await c.SubmitAsync(Cmd.SubmitJobBg, f, "payload-three", "zzz");
        var dash = await c.SubmitAsync(Cmd.SubmitJobBg, f, "-", "payload-three");
        Assert.NotEqual(real, dash);

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var grabbed = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var a = await worker.GrabAsync();
            grabbed.Add(a.Text(0));
            worker.Send(Cmd.WorkComplete, a.Text(0), "");
        }
        Assert.Equal(new[] { p1, p2, empty1, empty2, real, dash }, grabbed);
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
    }

    [Fact]
    public async Task A_foreground_submit_coalesces_with_an_earlier_background_job_and_gets_its_result()
    {
        var f = NewName("bgfg");
        var u = NewName("u");
        var bgClient = await ConnectAsync("bg-client");
        var fgClient = await ConnectAsync("fg-client");
        var h = await bgClient.SubmitAsync(Cmd.SubmitJobBg, f, u, "bg-data");
        Assert.Equal(h, await fgClient.SubmitAsync(Cmd.SubmitJob, f, u, "fg-data"));

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var a = await worker.GrabAsync();
        Assert.Equal(h, a.Text(0));
        Assert.Equal("bg-data", a.Text(2));
        worker.Send(Cmd.WorkData, h, "partial");
        worker.Send(Cmd.WorkComplete, h, "bg-result");

        var data = await fgClient.ExpectAsync(Cmd.WorkData);
        Assert.Equal("partial", data.Text(1));
        var done = await fgClient.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(h, done.Text(0));
        Assert.Equal("bg-result", done.Text(1));
        await bgClient.SyncAsync();
    }

    [Fact]
    public async Task Data_warning_and_status_reach_two_coalesced_clients_in_order()
    {
        var f = NewName("relay");
        var u = NewName("u");
        var c1 = await ConnectAsync("c1");
        var c2 = await ConnectAsync("c2");
        var h = await c1.SubmitAsync(Cmd.SubmitJob, f, u, "d");
        Assert.Equal(h, await c2.SubmitAsync(Cmd.SubmitJob, f, u, "d"));

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        await worker.GrabAsync();

        var expected = new List<(int Type, string[] Args)>
        {
            (Cmd.WorkData, new[] { h, "data-1" }),
            (Cmd.WorkWarning, new[] { h, "warning-1" }),
            (Cmd.WorkStatus, new[] { h, "1", "4" }),
            (Cmd.WorkData, new[] { h, "data-2" }),
            (Cmd.WorkStatus, new[] { h, "2", "4" }),
            (Cmd.WorkWarning, new[] { h, "warning-2" }),
            (Cmd.WorkStatus, new[] { h, "4", "4" }),
            (Cmd.WorkComplete, new[] { h, "final" }),
        };
        foreach (var (type, args) in expected) worker.Send(type, args);

        foreach (var c in new[] { c1, c2 })
        {
            foreach (var (type, args) in expected)
            {
                var p = await c.ExpectAsync(type);
                Assert.Equal(args, Enumerable.Range(0, p.Args.Length).Select(p.Text));
            }
            await c.SyncAsync();
        }
    }

    [Fact]
    public async Task A_submit_joining_a_running_job_gets_its_handle_and_the_events_after_it_joined()
    {
        var f = NewName("join");
        var u = NewName("u");
        var c1 = await ConnectAsync("c1");
        var h = await c1.SubmitAsync(Cmd.SubmitJob, f, u, "d");
        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        await worker.GrabAsync();
        worker.Send(Cmd.WorkData, h, "before");
        await c1.ExpectAsync(Cmd.WorkData);

        var c2 = await ConnectAsync("c2");
        Assert.Equal(h, await c2.SubmitAsync(Cmd.SubmitJob, f, u, "other"));
        worker.Send(Cmd.WorkData, h, "after");
        worker.Send(Cmd.WorkComplete, h, "end");

        Assert.Equal("after", (await c1.ExpectAsync(Cmd.WorkData)).Text(1));
        Assert.Equal("end", (await c1.ExpectAsync(Cmd.WorkComplete)).Text(1));
        Assert.Equal("after", (await c2.ExpectAsync(Cmd.WorkData)).Text(1));
        Assert.Equal("end", (await c2.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }

    /// <summary>
    /// A submit that coalesces onto a job which is finishing at that moment must still be answered (JOB_CREATED for
    /// the old job, or a new job): without an answer the client waits forever.
    /// </summary>
    [Fact]
    public async Task A_coalescing_submit_racing_with_completion_is_always_answered()
    {
        var f = NewName("co-race");
        var worker = await ConnectAsync("worker");
        await worker.RegisterIdleAsync(f);
        var c1 = await ConnectAsync("c1");
        var c2 = await ConnectAsync("c2");
        for (var i = 0; i < 300; i++)
        {
            var u = $"u{i}";
            var h = await c1.SubmitAsync(Cmd.SubmitJob, f, u, "d");
            var a = await worker.GrabAsync();
            Assert.Equal(h, a.Text(0));
            worker.Send(Cmd.WorkComplete, h, "r");
            c2.Send(Cmd.SubmitJob, f, u, "d");
            await c1.ExpectAsync(Cmd.WorkComplete);
            var created = await c2.ReceivePacketAsync(expecting: $"JOB_CREATED (round {i})");
            Assert.Equal(Cmd.JobCreated, created.Type);
            if (created.Text(0) == h)
            {
                // Joined the old job before it ended: its result follows.
                Assert.Equal(h, (await c2.ExpectAsync(Cmd.WorkComplete)).Text(0));
            }
            else
            {
                // A new job: the worker runs it too.
                var again = await worker.GrabAsync();
                Assert.Equal(created.Text(0), again.Text(0));
                worker.Send(Cmd.WorkComplete, again.Text(0), "r2");
                Assert.Equal("r2", (await c2.ExpectAsync(Cmd.WorkComplete)).Text(1));
            }
        }
    }

    [Fact]
    public async Task When_one_of_two_coalesced_clients_leaves_the_other_still_gets_the_result()
    {
        var f = NewName("co-leave");
        var u = NewName("u");
        var leaver = await ConnectAsync("leaver");
        var stayer = await ConnectAsync("stayer");
        var h = await leaver.SubmitAsync(Cmd.SubmitJob, f, u, "d");
        Assert.Equal(h, await stayer.SubmitAsync(Cmd.SubmitJob, f, u, "d"));
        leaver.Dispose();

        var observer = await ConnectAsync("observer");
        await Eventually.TrueAsync(async () =>
        {
            observer.Send(Cmd.GetStatusUnique, u);
            return (await observer.ExpectAsync(Cmd.StatusResUnique)).Text(5) == "1";
        }, "the leaver is no longer counted");

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(h, (await w.GrabAsync()).Text(0));
        w.Send(Cmd.WorkComplete, h, "for the stayer");
        Assert.Equal("for the stayer", (await stayer.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }
}
