using Gearman.Actors.Hosting;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>Which job a worker gets: priority, FIFO within a priority, priority across functions, requeue position.</summary>
[Collection(BrokerCollection.Name)]
public sealed class PriorityTests : BrokerTest
{
    public PriorityTests(BrokerFixture fx) : base(fx) { }

    private static async Task<List<string>> GrabAllDataAsync(GearmanTestClient worker, int count)
    {
        var got = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var a = await worker.GrabAsync();
            got.Add(a.Text(2));
            worker.Send(Cmd.WorkComplete, a.Text(0), "");
        }
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
        return got;
    }

    [Fact]
    public async Task High_before_normal_before_low_and_fifo_within_each()
    {
        var f = NewName("prio");
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobLowBg, f, "", "L1");
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "N1");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "H1");
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "N2");
        await c.SubmitAsync(Cmd.SubmitJobLowBg, f, "", "L2");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "H2");

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(new[] { "H1", "H2", "N1", "N2", "L1", "L2" }, await GrabAllDataAsync(w, 6));
    }

    [Fact]
    public async Task Foreground_priorities_order_the_same_way()
    {
        var f = NewName("prio-fg");
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobLow, f, "", "L");
        await c.SubmitAsync(Cmd.SubmitJob, f, "", "N");
        await c.SubmitAsync(Cmd.SubmitJobHigh, f, "", "H");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(new[] { "H", "N", "L" }, await GrabAllDataAsync(w, 3));
    }

    [Fact]
    public async Task A_thousand_pipelined_submits_are_handed_out_first_in_first_out()
    {
        const int n = 1000;
        var f = NewName("fifo");
        var c = await ConnectAsync("client");
        var batch = new MemoryStream();
        for (var i = 0; i < n; i++) batch.Write(GearmanTestClient.Encode(Cmd.SubmitJobBg, f, "", i.ToString()));
        c.SendRaw(batch.ToArray());
        for (var i = 0; i < n; i++) await c.ExpectAsync(Cmd.JobCreated);

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(Enumerable.Range(0, n).Select(i => i.ToString()), await GrabAllDataAsync(w, n));
    }

    [Fact]
    public async Task A_worker_takes_its_newest_functions_jobs_best_priority_first_before_the_next_functions()
    {
        // gearmand 1.1.20 walks the worker's functions newest first and drains each, best priority first
        // (gearmand 2.0 made priority global across functions).
        var fa = NewName("glob-a");
        var fb = NewName("glob-b");
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobLowBg, fa, "", "a-low");
        await c.SubmitAsync(Cmd.SubmitJobBg, fa, "", "a-normal");
        await c.SubmitAsync(Cmd.SubmitJobLowBg, fb, "", "b-low");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, fb, "", "b-high");

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, fa);
        w.Send(Cmd.CanDo, fb);
        Assert.Equal(new[] { "b-high", "b-low", "a-normal", "a-low" }, await GrabAllDataAsync(w, 4));
    }

    private static async Task<List<string>> TwoFunctionsTwoJobsEachAsync(Func<string, Task<GearmanTestClient>> connect)
    {
        var fa = BrokerFixture.NewName("order-a");
        var fb = BrokerFixture.NewName("order-b");
        var c = await connect("client");
        foreach (var (f, d) in new[] { (fa, "a1"), (fa, "a2"), (fb, "b1"), (fb, "b2") }) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", d);
        var w = await connect("worker");
        w.Send(Cmd.CanDo, fa);
        w.Send(Cmd.CanDo, fb);
        return await GrabAllDataAsync(w, 4);
    }

    [Fact]
    public async Task Among_equal_priorities_a_worker_takes_from_the_function_it_registered_last_first()
    {
        // gearmand 1.1.20 walks a worker's functions newest first.
        Assert.Equal(new[] { "b1", "b2", "a1", "a2" }, await TwoFunctionsTwoJobsEachAsync(ConnectAsync));
    }

    [Fact]
    public async Task With_round_robin_a_worker_takes_from_its_functions_in_turn()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(
                "gearman.listen = \"127.0.0.1\", gearman.port = 0, gearman.round-robin = on, akka.loglevel = WARNING")
            .WithFallback(GearmanBroker.DefaultConfig);
        using var system = Akka.Actor.ActorSystem.Create("gearman-rr", config);
        var broker = await GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(system.Settings.Config));
        var endpoint = (System.Net.IPEndPoint)broker.Endpoint!;
        var clients = new List<GearmanTestClient>();
        try
        {
            var got = await TwoFunctionsTwoJobsEachAsync(async name =>
            {
                var c = await GearmanTestClient.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, name);
                clients.Add(c);
                return c;
            });
            Assert.Equal(new[] { "a1", "b1", "a2", "b2" }, got);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_job_requeued_after_its_worker_died_goes_to_the_tail_of_its_priority()
    {
        var f = NewName("requeue-pos");
        var c = await ConnectAsync("client");
        var h1 = await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "H1");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "H2");
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "N1");

        var dying = await ConnectAsync("dying-worker");
        dying.Send(Cmd.CanDo, f);
        Assert.Equal(h1, (await dying.GrabAsync()).Text(0));
        Assert.Equal(("1", "1", "0", "0"), await c.GetStatusAsync(h1));
        dying.Dispose();
        // Queued again, with the retry counted.
        var admin = await ConnectAsync("admin");
        await Eventually.TrueAsync(async () => (await admin.AdminListAsync("show jobs")).Contains($"{h1}\t1\t0\t1"),
            "the dead worker's job is queued again with one retry");
        Assert.Equal(("1", "0", "0", "0"), await c.GetStatusAsync(h1));

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(new[] { "H2", "H1", "N1" }, await GrabAllDataAsync(w, 3));
    }
}
