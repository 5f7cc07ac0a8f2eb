using System.Text.RegularExpressions;
using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Testing.RealTools;

namespace Gearman.Actors.Tests.RealClients;

/// <summary>`gearadmin` (Debian gearman-tools) against the broker's admin protocol.</summary>
[Collection(BrokerCollection.Name)]
public sealed class GearadminTests : BrokerTest
{
    public GearadminTests(BrokerFixture fx) : base(fx) { }

    private async Task<ToolResult> Gearadmin(params string[] args) =>
        (await ToolProcess.RunAsync(RealTools.Gearadmin, ["-h", Fx.Host, "-p", Fx.Port.ToString(), .. args])).Succeeded();

    private static string[] Lines(ToolResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Status_and_priority_status()
    {
        Require(RealTools.Gearadmin);
        var f = NewName("ga-status");
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "h");
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "n");
        await c.SubmitAsync(Cmd.SubmitJobLowBg, f, "", "l");
        await w.GrabAsync();

        var status = await Gearadmin("--status");
        Assert.Contains($"{f}\t3\t1\t1", Lines(status));
        Assert.Equal(".", Lines(status)[^1]);
        Assert.Contains($"{f}\t0\t1\t1\t1", Lines(await Gearadmin("--priority-status")));
    }

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Workers()
    {
        Require(RealTools.Gearadmin);
        var f = NewName("ga-workers");
        var id = NewName("id");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.SetClientId, id);
        w.Send(Cmd.CanDo, f);
        await w.SyncAsync();

        var lines = Lines(await Gearadmin("--workers"));
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\d+ 127\.0\.0\.1 {id} : {f}$"));
    }

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Show_jobs_show_unique_jobs_and_cancel_job()
    {
        Require(RealTools.Gearadmin);
        var f = NewName("ga-jobs");
        var u = NewName("u");
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJobBg, f, u, "x");

        Assert.Contains($"{h}\t0\t0\t1", Lines(await Gearadmin("--show-jobs")));
        Assert.Contains(u, Lines(await Gearadmin("--show-unique-jobs")));

        var cancel = await Gearadmin("--cancel-job", h);
        Assert.Equal("OK", cancel.Stdout.Trim());
        var admin = await ConnectAsync("admin");
        Assert.Equal((0, 0, 0), await StatusOfAsync(admin, f));
        Assert.DoesNotContain(Lines(await Gearadmin("--show-jobs")), l => l.StartsWith(h + "\t"));

        // gearadmin reports the server's ERR on stderr and still exits 0.
        var again = await Gearadmin("--cancel-job", h);
        Assert.Contains("UNKNOWN_JOB", again.Stderr);
    }

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Create_function_and_drop_function()
    {
        Require(RealTools.Gearadmin);
        var f = NewName("ga-fn");
        var admin = await ConnectAsync("admin");

        Assert.Equal("OK", (await Gearadmin("--create-function", f)).Stdout.Trim());
        Assert.Equal((0, 0, 0), await StatusOfAsync(admin, f));

        Assert.Equal("OK", (await Gearadmin("--drop-function", f)).Stdout.Trim());
        Assert.Null(await StatusOfAsync(admin, f));

        Assert.Contains("function not found", (await Gearadmin("--drop-function", f)).Stderr);
    }

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Server_version_and_getpid()
    {
        Require(RealTools.Gearadmin);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*$", (await Gearadmin("--server-version")).Stdout.Trim());
        // The broker runs inside this test process.
        Assert.Equal(Environment.ProcessId.ToString(), (await Gearadmin("--getpid")).Stdout.Trim());
    }
}
