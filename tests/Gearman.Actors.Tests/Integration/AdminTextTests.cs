using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>The text admin protocol on the Gearman port.</summary>
[Collection(BrokerCollection.Name)]
public sealed class AdminTextTests : BrokerTest
{
    public AdminTextTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task Status_counts_queued_plus_running_and_the_available_workers()
    {
        var f = NewName("st");
        var busy = await ConnectAsync("busy-worker");
        var idle = await ConnectAsync("idle-worker");
        await busy.RegisterIdleAsync(f);
        await idle.RegisterIdleAsync(f);
        var c = await ConnectAsync("client");
        for (var i = 0; i < 3; i++) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", $"d{i}");
        var running = await busy.GrabAsync();

        var admin = await ConnectAsync("admin");
        var lines = await admin.AdminListAsync("status");
        Assert.Contains($"{f}\t3\t1\t2", lines);
        Assert.All(lines, l => Assert.Matches(@"^[^\t]*\t\d+\t\d+\t\d+$", l));

        busy.Send(Cmd.WorkComplete, running.Text(0), "");
        await busy.SyncAsync();
        idle.Dispose();
        await Eventually.TrueAsync(async () => await StatusOfAsync(admin, f) == (2, 0, 1), "status after one job done and one worker gone");
        busy.Dispose();
        // The function stays listed after its last worker left.
        await Eventually.TrueAsync(async () => await StatusOfAsync(admin, f) == (2, 0, 0), "status with no workers");
    }

    [Fact]
    public async Task Status_is_case_insensitive_and_text_and_binary_alternate_on_one_connection()
    {
        var f = NewName("mix");
        var c = await ConnectAsync();
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "x");
        var lines = await c.AdminListAsync("STATUS");
        Assert.Contains($"{f}\t1\t0\t0", lines);
        await c.SyncAsync();
        Assert.StartsWith("OK ", await c.AdminAsync("version"));
        await c.SyncAsync();
    }

    [Fact]
    public async Task Prioritystatus_lists_queued_jobs_per_priority_without_running_ones()
    {
        var f = NewName("ps");
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "", "h");
        for (var i = 0; i < 2; i++) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "n");
        for (var i = 0; i < 3; i++) await c.SubmitAsync(Cmd.SubmitJobLowBg, f, "", "l");

        var admin = await ConnectAsync("admin");
        Assert.Contains($"{f}\t1\t2\t3\t1", await admin.AdminListAsync("prioritystatus"));
        await w.GrabAsync();
        var lines = await admin.AdminListAsync("prioritystatus");
        Assert.Contains($"{f}\t0\t2\t3\t1", lines);
        Assert.All(lines, l => Assert.Matches(@"^[^\t]*\t\d+\t\d+\t\d+\t\d+$", l));
    }

    [Fact]
    public async Task Workers_lists_every_connection_with_its_client_id_and_functions_newest_first()
    {
        var fa = NewName("wk-a");
        var fb = NewName("wk-b");
        var id = NewName("wid");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.SetClientId, id);
        w.Send(Cmd.CanDo, fa);
        w.Send(Cmd.CanDo, fb);
        await w.SyncAsync();

        var admin = await ConnectAsync("admin");
        var lines = await admin.AdminListAsync("workers");
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+ 127\.0\.0\.1 {id} : {fb} {fa}$"));
        // Connections without functions are listed too, with "-" for a missing client id (the admin one among them).
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+ 127\.0\.0\.1 - :$"));

        w.Send(Cmd.CantDo, fa);
        await w.SyncAsync();
        Assert.Contains(await admin.AdminListAsync("workers"), l => l.EndsWith($" {id} : {fb}"));
        w.Send(Cmd.ResetAbilities);
        await w.SyncAsync();
        Assert.Contains(await admin.AdminListAsync("workers"), l => l.EndsWith($" {id} :"));

        w.Dispose();
        await Eventually.TrueAsync(async () => !(await admin.AdminListAsync("workers")).Any(l => l.Contains(id)), "a closed connection leaves the list");
    }

    [Fact]
    public async Task A_client_id_is_read_up_to_a_NUL_and_an_empty_one_is_listed_empty()
    {
        var f = NewName("cid");
        var id = NewName("nul");
        var named = await ConnectAsync("named");
        named.Send(Cmd.SetClientId, System.Text.Encoding.Latin1.GetBytes(id + "\0extra"));
        named.Send(Cmd.CanDo, f);
        await named.SyncAsync();
        var blank = await ConnectAsync("blank");
        blank.Send(Cmd.SetClientId, "");
        blank.Send(Cmd.CanDo, f + "-blank");
        await blank.SyncAsync();

        var admin = await ConnectAsync("admin");
        var lines = await admin.AdminListAsync("workers");
        Assert.Contains(lines, l => l.EndsWith($" {id} : {f}"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+ 127\.0\.0\.1  : {f}-blank$"));
    }

    [Fact]
    public async Task Show_jobs_and_show_unique_jobs_list_the_live_jobs()
    {
        var f = NewName("sj");
        var u = NewName("u");
        var c = await ConnectAsync("client");
        var bg = await c.SubmitAsync(Cmd.SubmitJobBg, f, u, "x");
        var fg = await c.SubmitAsync(Cmd.SubmitJob, f, "", "y");

        var admin = await ConnectAsync("admin");
        var jobs = await admin.AdminListAsync("show jobs");
        Assert.Contains($"{bg}\t0\t0\t1", jobs);
        Assert.Contains($"{fg}\t0\t0\t0", jobs);
        Assert.All(jobs, l => Assert.Matches(@"^[^\t]+\t\d+\t[01]\t[01]$", l));
        Assert.Contains(u, await admin.AdminListAsync("show unique jobs"));

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        for (var i = 0; i < 2; i++)
        {
            var a = await w.GrabAsync();
            w.Send(Cmd.WorkComplete, a.Text(0), "");
        }
        await c.ExpectAsync(Cmd.WorkComplete);
        await Eventually.TrueAsync(async () => !(await admin.AdminListAsync("show jobs")).Any(l => l.StartsWith(bg + "\t") || l.StartsWith(fg + "\t")),
            "finished jobs leave show jobs");
        Assert.DoesNotContain(u, await admin.AdminListAsync("show unique jobs"));
    }

    [Fact]
    public async Task Maxqueue_with_three_sizes_limits_each_priority_by_its_own_count()
    {
        var f = NewName("mq");
        var admin = await ConnectAsync("admin");
        Assert.Equal("OK\r\n", await admin.AdminAsync($"create function {f}"));
        Assert.Equal("OK\r\n", await admin.AdminAsync($"maxqueue {f} 1 2 3"));

        var c = await ConnectAsync("client");
        async Task Accepts(int type) => await c.SubmitAsync(type, f, "", "x");
        async Task Refuses(int type)
        {
            c.Send(type, f, "", "x");
            var e = await c.ExpectAsync(Cmd.Error);
            Assert.Equal("QUEUE_ERROR", e.Text(0));
            Assert.Equal("Job queue is full", e.Text(1));
        }

        var high = await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "high-unique", "x");
        await Refuses(Cmd.SubmitJobHighBg);
        await Refuses(Cmd.SubmitJobHigh);
        // A submit that coalesces onto a queued job adds no job, so the limit does not apply to it.
        Assert.Equal(high, await c.SubmitAsync(Cmd.SubmitJobHighBg, f, "high-unique", "x"));
        for (var i = 0; i < 2; i++) await Accepts(Cmd.SubmitJobBg);
        await Refuses(Cmd.SubmitJobBg);
        await Refuses(Cmd.SubmitJob);
        for (var i = 0; i < 3; i++) await Accepts(Cmd.SubmitJobLowBg);
        await Refuses(Cmd.SubmitJobLowBg);
        await Refuses(Cmd.SubmitJobLow);
        Assert.Contains($"{f}\t1\t2\t3\t0", await admin.AdminListAsync("prioritystatus"));

        // A running job still counts against its priority's limit.
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(Cmd.JobAssign, (await w.GrabAsync()).Type);
        await Refuses(Cmd.SubmitJobHighBg);

        // One size applies to every priority; no size lifts the limit.
        Assert.Equal("OK\r\n", await admin.AdminAsync($"maxqueue {f} 10"));
        await Accepts(Cmd.SubmitJobHighBg);
        Assert.Equal("OK\r\n", await admin.AdminAsync($"maxqueue {f}"));
        for (var i = 0; i < 5; i++) await Accepts(Cmd.SubmitJobLowBg);

        Assert.Equal("ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+maxqueue\r\n",
            await admin.AdminAsync("maxqueue"));
    }

    [Fact]
    public async Task Cancel_job_fails_the_waiting_client_and_removes_the_job_at_once()
    {
        var f = NewName("cancel");
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var keep = await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "y");
        var admin = await ConnectAsync("admin");
        Assert.Equal((2, 0, 0), await StatusOfAsync(admin, f));

        Assert.Equal("OK\r\n", await admin.AdminAsync($"cancel job {h}"));
        Assert.Equal((1, 0, 0), await StatusOfAsync(admin, f));
        Assert.DoesNotContain(await admin.AdminListAsync("show jobs"), l => l.StartsWith(h + "\t"));
        var fail = await c.ExpectAsync(Cmd.WorkFail);
        Assert.Equal(h, fail.Text(0));

        Assert.Equal("ERR UNKNOWN_JOB\r\n", await admin.AdminAsync($"cancel job {h}"));
        Assert.Equal("ERR UNKNOWN_JOB\r\n", await admin.AdminAsync("cancel job H:never:1"));
        Assert.Equal(("0", "0", "0", "0"), await c.GetStatusAsync(h));

        // A worker gets the job that was not cancelled, and then nothing.
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        Assert.Equal(keep, (await w.GrabAsync()).Text(0));
        w.Send(Cmd.GrabJob);
        await w.ExpectAsync(Cmd.NoJob);
    }

    [Fact]
    public async Task Cancelling_a_running_job_fails_its_client_at_once()
    {
        var f = NewName("cancel-run");
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        await w.GrabAsync();
        var admin = await ConnectAsync("admin");
        Assert.Equal((1, 1, 1), await StatusOfAsync(admin, f));

        Assert.Equal("OK\r\n", await admin.AdminAsync($"cancel job {h}"));
        Assert.Equal(h, (await c.ExpectAsync(Cmd.WorkFail)).Text(0));
        Assert.Equal((0, 0, 1), await StatusOfAsync(admin, f));
    }

    [Fact]
    public async Task Create_and_drop_function()
    {
        var f = NewName("cf");
        var admin = await ConnectAsync("admin");
        Assert.Equal("OK\r\n", await admin.AdminAsync($"create function {f}"));
        Assert.Equal((0, 0, 0), await StatusOfAsync(admin, f));

        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        Assert.Equal("ERR there are still connected workers or executing clients\r\n", await admin.AdminAsync($"drop function {f}"));
        w.Send(Cmd.CantDo, f);
        await w.SyncAsync();
        await Eventually.TrueAsync(async () => (await StatusOfAsync(admin, f))?.Workers == 0, "the worker has let the function go");

        Assert.Equal("OK\r\n", await admin.AdminAsync($"drop function {f}"));
        Assert.Null(await StatusOfAsync(admin, f));
        Assert.Equal("ERR function not found\r\n", await admin.AdminAsync($"drop function {f}"));
        Assert.Equal("ERR function not found\r\n", await admin.AdminAsync($"drop function {NewName("never")}"));
    }

    [Fact]
    public async Task Create_drop_show_and_cancel_in_other_forms_answer_as_gearmand_does()
    {
        var f = NewName("forms");
        var admin = await ConnectAsync("admin");
        Assert.Equal("ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+create\r\n",
            await admin.AdminAsync($"create function {f} extra"));
        Assert.Null(await StatusOfAsync(admin, f));
        Assert.Equal("ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+drop\r\n",
            await admin.AdminAsync("drop function"));
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandshow\r\n", await admin.AdminAsync("show"));
        Assert.Equal("ERR UNKNOWN_ERROR\r\n", await admin.AdminAsync("cancel jobs H:nowhere:1"));
        Assert.Equal("ERR UNKNOWN_JOB\r\n", await admin.AdminAsync("cancel job "));
        // An empty name is a name (gearadmin --create-function ""), as on gearmand.
        Assert.Equal("OK\r\n", await admin.AdminAsync("create function "));
        Assert.Contains("\t0\t0\t0", await admin.AdminListAsync("status"));
        Assert.Equal("OK\r\n", await admin.AdminAsync("drop function "));
    }

    [Fact]
    public async Task Dropping_a_function_fails_its_queued_jobs()
    {
        var f = NewName("drop");
        var c = await ConnectAsync("client");
        var fg = await c.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var bg = await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "y");
        var admin = await ConnectAsync("admin");
        Assert.Equal("OK\r\n", await admin.AdminAsync($"drop function {f}"));

        Assert.Equal(fg, (await c.ExpectAsync(Cmd.WorkFail)).Text(0));
        Assert.Null(await StatusOfAsync(admin, f));
        Assert.DoesNotContain(await admin.AdminListAsync("show jobs"), l => l.StartsWith(fg + "\t") || l.StartsWith(bg + "\t"));
        Assert.Equal(("0", "0", "0", "0"), await c.GetStatusAsync(bg));

        // The name can be used again from scratch.
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        var again = await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "z");
        Assert.Equal(again, (await w.GrabAsync()).Text(0));
    }

    [Fact]
    public async Task Version_getpid_verbose_and_unknown_commands()
    {
        var admin = await ConnectAsync("admin");
        Assert.Matches(@"^OK \d+\.\d+\.\d+.*\n$", await admin.AdminAsync("version"));
        Assert.Equal($"OK {Environment.ProcessId}\n", await admin.AdminAsync("getpid"));
        Assert.Matches(@"^OK [A-Z]+\n$", await admin.AdminAsync("verbose"));
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandfrobnicate\r\n", await admin.AdminAsync("frobnicate now"));
        Assert.Equal("ERR UNKNOWN_SHOW_ARGUMENTS\r\n", await admin.AdminAsync("show nonsense"));
        // A "\r\n" line ending is accepted as well.
        admin.SendText("version\r\n");
        Assert.StartsWith("OK ", await admin.ReadRawLineAsync());
        // Pipelined commands are answered in order.
        admin.SendText("getpid\nversion\ngetpid\n");
        Assert.Equal($"OK {Environment.ProcessId}\n", await admin.ReadRawLineAsync());
        Assert.Matches(@"^OK \d", await admin.ReadRawLineAsync());
        Assert.Equal($"OK {Environment.ProcessId}\n", await admin.ReadRawLineAsync());
    }

    /// <summary>An admin script sent in one write, as `printf ... | nc` does: each command sees the ones before it.</summary>
    [Fact]
    public async Task Admin_commands_pipelined_in_one_write_see_each_others_effects()
    {
        var f = NewName("script");
        var admin = await ConnectAsync("admin");
        admin.SendText($"create function {f}\r\nmaxqueue {f} 1\r\nstatus\r\ndrop function {f}\r\nstatus\r\ndrop function {f}\r\n");
        Assert.Equal("OK\r\n", await admin.ReadRawLineAsync());
        Assert.Equal("OK\r\n", await admin.ReadRawLineAsync());
        var first = new List<string>();
        for (var line = await admin.ReadLineAsync(); line != "."; line = await admin.ReadLineAsync()) first.Add(line);
        Assert.Equal("OK\r\n", await admin.ReadRawLineAsync());
        var second = new List<string>();
        for (var line = await admin.ReadLineAsync(); line != "."; line = await admin.ReadLineAsync()) second.Add(line);
        Assert.Equal("ERR function not found\r\n", await admin.ReadRawLineAsync());
        Assert.True(first.Contains($"{f}\t0\t0\t0"), "`status` after `create function` in the same write does not list the function");
        Assert.DoesNotContain(second, l => l.StartsWith(f + "\t"));
    }
}
