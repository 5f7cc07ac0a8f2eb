using Akka.Configuration;
using Gearman.Actors.Hosting;
using Gearman.Actors.Server;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>gearman.max-jobs and gearman.max-job-memory: a node-wide bound on the jobs it holds, over real TCP.</summary>
public sealed class JobLimitTests
{
    private static async Task RefusedAsync(GearmanTestClient c, int type, string function, string unique, string data)
    {
        c.Send(type, function, unique, data);
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("QUEUE_ERROR", e.Text(0));
        Assert.Equal("Job limit of this server reached", e.Text(1));
    }

    [Fact]
    public async Task Max_jobs_counts_every_function_and_frees_a_place_when_a_job_ends()
    {
        await using var broker = await CustomBroker.StartAsync("gearman.max-jobs = 3");
        var (f1, f2, f3) = (BrokerFixture.NewName("lim"), BrokerFixture.NewName("lim"), BrokerFixture.NewName("lim"));
        var c = await broker.ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobBg, f1, "", "a");
        await c.SubmitAsync(Cmd.SubmitJobBg, f1, "u1", "b");
        await c.SubmitAsync(Cmd.SubmitJobBg, f2, "", "c");

        await RefusedAsync(c, Cmd.SubmitJobBg, f3, "", "d");
        await RefusedAsync(c, Cmd.SubmitJob, f3, "", "d");
        await RefusedAsync(c, Cmd.SubmitJobHighBg, f1, "", "d");
        // A submit that joins a job already held adds nothing, so it still goes in.
        await c.SubmitAsync(Cmd.SubmitJobBg, f1, "u1", "b");

        var w = await broker.ConnectAsync("worker");
        w.Send(Cmd.CanDo, f2);
        var job = await w.GrabAsync();
        w.Send(Cmd.WorkComplete, job.Text(0), "");
        // The place the finished job held is free again once its queue has let it go.
        await Eventually.TrueAsync(async () =>
        {
            c.Send(Cmd.SubmitJobBg, f3, "", "e");
            var reply = await c.ReceivePacketAsync();
            return reply.Type == Cmd.JobCreated;
        }, "a submit accepted after a job ended");
    }

    [Fact]
    public async Task Max_job_memory_counts_payload_bytes()
    {
        await using var broker = await CustomBroker.StartAsync("gearman.max-job-memory = 100");
        var f = BrokerFixture.NewName("mem");
        var c = await broker.ConnectAsync("client");
        var forty = new string('x', 40);
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", forty);
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", forty);
        await RefusedAsync(c, Cmd.SubmitJobBg, f, "", forty); // 120 bytes would pass 100
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", new string('y', 20)); // 100 fits
        await RefusedAsync(c, Cmd.SubmitJobBg, f, "", "z");
    }

    [Fact]
    public void Settings_flags_and_hosting_options_set_the_limits_and_none_is_the_default()
    {
        var defaults = BrokerSettings.FromConfig(GearmanBroker.DefaultConfig);
        Assert.Equal((0L, 0L), (defaults.MaxJobs, defaults.MaxJobMemory));

        var hocon = BrokerSettings.FromConfig(ConfigurationFactory.ParseString("gearman.max-jobs = 1000000, gearman.max-job-memory = 2GiB"));
        Assert.Equal((1_000_000L, 2L << 30), (hocon.MaxJobs, hocon.MaxJobMemory));

        var options = new ServerOptions();
        var parsed = options.BuildRoot().Parse(["--max-jobs", "500", "--max-job-memory", "64MiB"]);
        var flags = BrokerSettings.FromConfig(ConfigurationFactory.ParseString(options.ToHocon(parsed)));
        Assert.Equal((500L, 64L << 20), (flags.MaxJobs, flags.MaxJobMemory));

        var hosted = BrokerSettings.FromConfig(new GearmanBrokerOptions { MaxJobs = 7, MaxJobMemory = 4096 }.ToHocon());
        Assert.Equal((7L, 4096L), (hosted.MaxJobs, hosted.MaxJobMemory));
    }
}
