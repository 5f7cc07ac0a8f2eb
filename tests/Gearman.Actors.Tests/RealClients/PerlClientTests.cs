using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Testing.RealTools;

namespace Gearman.Actors.Tests.RealClients;

/// <summary>Perl Gearman::Client and Gearman::Worker (libgearman-client-perl) against the broker.</summary>
[Collection(BrokerCollection.Name)]
public sealed class PerlClientTests : BrokerTest
{
    public PerlClientTests(BrokerFixture fx) : base(fx) { }

    private string Port => Fx.Port.ToString();

    private static string[] Lines(ToolResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [RealClientFact(Perl)]
    public async Task Perl_client_and_worker_round_trip_and_a_taskset_of_several_jobs()
    {
        Require(Perl);
        var f = NewName("perl");
        const int tasks = 5;
        using var worker = ToolProcess.Start(Perl, Scripts.PerlWorker, Fx.Host, Port, f, (1 + tasks).ToString());

        var single = (await ToolProcess.RunAsync(Perl, Scripts.PerlClient, Fx.Host, Port, "do_task", f, "hello")).Succeeded();
        Assert.Equal(new[] { "result:olleh" }, Lines(single));

        var set = (await ToolProcess.RunAsync(Perl, Scripts.PerlClient, Fx.Host, Port, "taskset", f, tasks.ToString())).Succeeded();
        var expected = Enumerable.Range(1, tasks).Select(i => $"r:{i}:{new string($"item-{i}".Reverse().ToArray())}").Append("fails:0");
        Assert.Equal(expected, Lines(set));

        var done = (await worker.WaitAsync()).Succeeded();
        Assert.Contains($"worker done {1 + tasks}", done.Stdout);
    }

    [RealClientFact(Perl)]
    public async Task Perl_background_job_status_before_and_after_a_worker_ran_it()
    {
        Require(Perl);
        var f = NewName("perl-bg");
        var bg = (await ToolProcess.RunAsync(Perl, Scripts.PerlClient, Fx.Host, Port, "background", f, "payload")).Succeeded();
        var lines = Lines(bg);
        Assert.StartsWith("handle:", lines[0]);
        var perlHandle = lines[0]["handle:".Length..];
        // Gearman::Client handles are "host:port//server-handle".
        var serverHandle = perlHandle[(perlHandle.IndexOf("//", StringComparison.Ordinal) + 2)..];
        Assert.StartsWith("H:", serverHandle);
        Assert.Equal("status:1:0", lines[1]);

        using (var worker = ToolProcess.Start(Perl, Scripts.PerlWorker, Fx.Host, Port, f, "1"))
            (await worker.WaitAsync()).Succeeded();
        await WaitUntilForgottenAsync(await ConnectAsync("admin"), serverHandle);

        var after = (await ToolProcess.RunAsync(Perl, Scripts.PerlClient, Fx.Host, Port, "status", perlHandle)).Succeeded();
        Assert.Equal(new[] { "status:0:0" }, Lines(after));
    }
}
