using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>Background jobs, GET_STATUS and GET_STATUS_UNIQUE through a job's life.</summary>
[Collection(BrokerCollection.Name)]
public sealed class StatusTests : BrokerTest
{
    public StatusTests(BrokerFixture fx) : base(fx) { }

    [Theory]
    [InlineData(Cmd.SubmitJobBg)]
    [InlineData(Cmd.SubmitJobHighBg)]
    [InlineData(Cmd.SubmitJobLowBg)]
    public async Task Background_job_status_follows_its_life(int submitType)
    {
        var f = NewName("bg");
        var client = await ConnectAsync("client");
        var handle = await client.SubmitAsync(submitType, f, "", "payload");

        Assert.Equal(("1", "0", "0", "0"), await client.GetStatusAsync(handle));

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var assign = await worker.GrabAsync();
        Assert.Equal(handle, assign.Text(0));
        Assert.Equal(("1", "1", "0", "0"), await client.GetStatusAsync(handle));

        worker.Send(Cmd.WorkStatus, handle, "3", "7");
        await worker.SyncAsync();
        Assert.Equal(("1", "1", "3", "7"), await client.GetStatusAsync(handle));

        worker.Send(Cmd.WorkComplete, handle, "done");
        await worker.SyncAsync();
        await WaitUntilForgottenAsync(await ConnectAsync("admin"), handle);
        Assert.Equal(("0", "0", "0", "0"), await client.GetStatusAsync(handle));

        // The submitter of a background job hears nothing about it.
        await client.SyncAsync();
    }

    [Fact]
    public async Task Get_status_reads_the_handle_up_to_a_NUL_and_reports_numbers_as_32_bit_integers()
    {
        var f = NewName("cstr");
        var client = await ConnectAsync("client");
        var handle = await client.SubmitAsync(Cmd.SubmitJobBg, f, "", "payload");
        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        await worker.GrabAsync();
        // gearmand keeps (uint32_t)atoi of each number; listeners of WORK_STATUS get it as sent.
        worker.Send(Cmd.WorkStatus, handle, "007", "999999999999");
        await worker.SyncAsync();

        client.Send(Cmd.GetStatus, System.Text.Encoding.Latin1.GetBytes(handle + "\0junk"));
        var res = await client.ExpectAsync(Cmd.StatusRes);
        Assert.Equal(new[] { handle, "1", "1", "7", "1410065407" }, Enumerable.Range(0, 5).Select(res.Text));
    }

    [Fact]
    public async Task Get_status_of_an_unknown_handle_says_unknown()
    {
        var c = await ConnectAsync();
        Assert.Equal(("0", "0", "0", "0"), await c.GetStatusAsync("H:nowhere:424242"));
    }

    [Fact]
    public async Task Get_status_unique_reports_state_and_client_count()
    {
        var f = NewName("su");
        var u = NewName("uniq");
        var c1 = await ConnectAsync("c1");
        var c2 = await ConnectAsync("c2");
        var observer = await ConnectAsync("observer");
        var h = await c1.SubmitAsync(Cmd.SubmitJob, f, u, "d");
        Assert.Equal(h, await c2.SubmitAsync(Cmd.SubmitJob, f, u, "d"));

        async Task<string[]> StatusUnique()
        {
            observer.Send(Cmd.GetStatusUnique, u);
            var p = await observer.ExpectAsync(Cmd.StatusResUnique);
            return Enumerable.Range(0, p.Args.Length).Select(p.Text).ToArray();
        }

        Assert.Equal(new[] { u, "1", "0", "0", "0", "2" }, await StatusUnique());

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        await worker.GrabAsync();
        worker.Send(Cmd.WorkStatus, h, "5", "9");
        // Both waiting clients see the status, so the job has taken it in.
        await c1.ExpectAsync(Cmd.WorkStatus);
        await c2.ExpectAsync(Cmd.WorkStatus);
        Assert.Equal(new[] { u, "1", "1", "5", "9", "2" }, await StatusUnique());

        worker.Send(Cmd.WorkComplete, h, "r");
        await c1.ExpectAsync(Cmd.WorkComplete);
        await c2.ExpectAsync(Cmd.WorkComplete);
        var admin = await ConnectAsync("admin");
        await Eventually.TrueAsync(async () => !(await admin.AdminListAsync("show unique jobs")).Contains(u), "the finished unique is forgotten");
        Assert.Equal(new[] { u, "0", "0", "0", "0", "0" }, await StatusUnique());

        observer.Send(Cmd.GetStatusUnique, "never-submitted-" + u);
        var unknown = await observer.ExpectAsync(Cmd.StatusResUnique);
        Assert.Equal(new[] { "never-submitted-" + u, "0", "0", "0", "0", "0" }, unknown.Args.Select(a => System.Text.Encoding.Latin1.GetString(a)));
    }

    /// <summary>
    /// A client that asks for the status of a job while the job finishes must get an answer (known or not): a lost
    /// reply leaves the connection waiting forever, since replies are given in request order. One connection polls
    /// the status of the current job without pause while a worker runs job after job.
    /// </summary>
    [Fact]
    public async Task Get_status_racing_with_completion_is_always_answered()
    {
        var f = NewName("st-race");
        var worker = await ConnectAsync("worker");
        await worker.RegisterIdleAsync(f);
        var client = await ConnectAsync("client");
        var poller = await ConnectAsync("poller");
        var current = await client.SubmitAsync(Cmd.SubmitJobBg, f, "", "first");
        var done = false;
        var polls = 0;
        var polling = Task.Run(async () =>
        {
            const int batch = 8;
            while (!Volatile.Read(ref done))
            {
                var h = Volatile.Read(ref current);
                var ask = GearmanTestClient.Encode(Cmd.GetStatus, h);
                poller.SendRaw(Enumerable.Repeat(ask, batch).SelectMany(x => x).ToArray());
                for (var k = 0; k < batch; k++)
                {
                    var p = await poller.ReceivePacketAsync(expecting: $"STATUS_RES for {h} after {polls} answered polls");
                    Assert.Equal(Cmd.StatusRes, p.Type);
                    Assert.Equal(h, p.Text(0));
                    polls++;
                }
            }
        });

        for (var i = 0; i < 300 && !polling.IsCompleted; i++)
        {
            var a = await worker.GrabAsync();
            Assert.Equal(current, a.Text(0));
            var next = await client.SubmitAsync(Cmd.SubmitJobBg, f, "", $"d{i}");
            worker.Send(Cmd.WorkComplete, a.Text(0), "");
            Volatile.Write(ref current, next);
        }
        Volatile.Write(ref done, true);
        await polling;
        Assert.True(polls > 0);
    }
}
