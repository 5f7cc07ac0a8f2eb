using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Testing.RealTools;

namespace Gearman.Actors.Tests.RealClients;

/// <summary>The `gearman` command-line client and worker (Debian gearman-tools) against the broker.</summary>
[Collection(BrokerCollection.Name)]
public sealed class GearmanCliTests : BrokerTest
{
    public GearmanCliTests(BrokerFixture fx) : base(fx) { }

    private string[] Server => new[] { "-h", Fx.Host, "-p", Fx.Port.ToString() };

    [RealClientFact(RealTools.Gearman)]
    public async Task A_gearman_worker_running_rev_answers_a_gearman_client()
    {
        Require(RealTools.Gearman);
        var f = NewName("cli-rev");
        using var worker = ToolProcess.Start(RealTools.Gearman, [.. Server, "-w", "-c", "1", "-f", f, "--", "rev"]);

        var client = (await ToolProcess.RunAsync(RealTools.Gearman, [.. Server, "-f", f, "hello"])).Succeeded();
        Assert.Equal("olleh", client.Stdout.TrimEnd('\n'));

        // -c 1: the worker leaves after its one job.
        (await worker.WaitAsync()).Succeeded();
    }

    [RealClientFact(RealTools.Gearman)]
    public async Task Background_jobs_from_gearman_b_are_run_in_order_by_a_worker_with_c_n()
    {
        Require(RealTools.Gearman);
        var f = NewName("cli-bg");
        // Three background jobs, one per argument.
        (await ToolProcess.RunAsync(RealTools.Gearman, [.. Server, "-b", "-f", f, "one", "two", "three"])).Succeeded();

        var admin = await ConnectAsync("admin");
        Assert.Equal((3, 0, 0), await StatusOfAsync(admin, f));
        var queued = (await admin.AdminListAsync("show jobs")).Where(l => l.EndsWith("\t0\t0\t1")).ToList();
        Assert.True(queued.Count >= 3);

        var log = Path.Combine(Path.GetTempPath(), $"{f}.log");
        try
        {
            // Each job's payload is appended to the log by `tee -a`, so the log shows the order the jobs ran in.
            using var worker = ToolProcess.Start(RealTools.Gearman, [.. Server, "-w", "-c", "3", "-f", f, "--", "tee", "-a", log]);
            (await worker.WaitAsync()).Succeeded();
            Assert.Equal("onetwothree", await File.ReadAllTextAsync(log));
            await Eventually.TrueAsync(async () => (await StatusOfAsync(admin, f))?.Total == 0, "the finished jobs leave the queue");
        }
        finally
        {
            File.Delete(log);
        }
    }

    [RealClientFact(RealTools.Gearman)]
    public async Task The_gearman_client_gets_the_result_of_a_raw_protocol_worker_including_data_packets()
    {
        Require(RealTools.Gearman);
        var f = NewName("cli-raw");
        var worker = await ConnectAsync("raw-worker");
        await worker.RegisterIdleAsync(f);
        worker.Sleep();

        using var client = ToolProcess.Start(RealTools.Gearman, [.. Server, "-f", f, "payload"]);
        await worker.ExpectAsync(Cmd.Noop);
        var job = await worker.GrabAsync();
        Assert.Equal("payload", job.Text(2));
        worker.Send(Cmd.WorkStatus, job.Text(0), "1", "2");
        worker.Send(Cmd.WorkData, job.Text(0), "part-1;");
        worker.Send(Cmd.WorkComplete, job.Text(0), "done");

        // The client prints the data and the result as they come, and the status as a percentage.
        var result = (await client.WaitAsync()).Succeeded();
        Assert.Contains("part-1;done", result.Stdout);
        Assert.Contains("50% Complete", result.Stdout);
    }
}
