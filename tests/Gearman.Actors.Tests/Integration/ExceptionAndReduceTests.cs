using System.Text;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>WORK_FAIL, WORK_EXCEPTION with and without OPTION_REQ "exceptions", and map/reduce submits.</summary>
[Collection(BrokerCollection.Name)]
public sealed class ExceptionAndReduceTests : BrokerTest
{
    public ExceptionAndReduceTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task Option_req_exceptions_is_accepted_and_anything_else_refused()
    {
        var c = await ConnectAsync();
        c.Send(Cmd.OptionReq, "exceptions");
        Assert.Equal("exceptions", (await c.ExpectAsync(Cmd.OptionRes)).Text(0));
        c.Send(Cmd.OptionReq, "no-such-option");
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("UNKNOWN_OPTION", e.Text(0));
        await c.SyncAsync();
    }

    [Theory]
    [InlineData("Exceptions")]
    [InlineData("EXCEPTIONS")]
    [InlineData("exceptions\0trailing")]
    public async Task Option_req_reads_the_name_up_to_a_NUL_ignoring_case_and_echoes_it_as_sent(string asSent)
    {
        var c = await ConnectAsync();
        c.Send(Cmd.OptionReq, Encoding.Latin1.GetBytes(asSent));
        var res = await c.ExpectAsync(Cmd.OptionRes);
        Assert.Equal(asSent, Encoding.Latin1.GetString(res.Body));
    }

    [Fact]
    public async Task Work_exception_reaches_clients_that_asked_for_it_and_is_a_plain_fail_for_the_others()
    {
        var f = NewName("exc");
        var u = NewName("u");
        var withOption = await ConnectAsync("with-option");
        withOption.Send(Cmd.OptionReq, "exceptions");
        await withOption.ExpectAsync(Cmd.OptionRes);
        var without = await ConnectAsync("without-option");
        var h = await withOption.SubmitAsync(Cmd.SubmitJob, f, u, "d");
        Assert.Equal(h, await without.SubmitAsync(Cmd.SubmitJob, f, u, "d"));

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        await w.GrabAsync();
        w.Send(Cmd.WorkException, h, "boom");

        var exc = await withOption.ExpectAsync(Cmd.WorkException);
        Assert.Equal(h, exc.Text(0));
        Assert.Equal("boom", exc.Text(1));
        var fail = await without.ExpectAsync(Cmd.WorkFail);
        Assert.Equal(h, fail.Text(0));

        // The exception ended the job.
        w.Send(Cmd.WorkFail, h);
        Assert.Equal("JOB_NOT_FOUND", (await w.ExpectAsync(Cmd.Error)).Text(0));
        await WaitUntilForgottenAsync(await ConnectAsync("admin"), h);
        Assert.Equal(("0", "0", "0", "0"), await without.GetStatusAsync(h));
        await withOption.SyncAsync();
    }

    [Fact]
    public async Task Work_fail_reaches_the_client_as_the_bare_handle()
    {
        var f = NewName("fail");
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJob, f, "", "d");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        await w.GrabAsync();
        w.Send(Cmd.WorkFail, h);
        var fail = await c.ExpectAsync(Cmd.WorkFail);
        Assert.Equal(Encoding.Latin1.GetBytes(h), fail.Body);
    }

    [Fact]
    public async Task Submit_reduce_job_is_assigned_with_its_reducer_by_grab_job_all()
    {
        var f = NewName("map");
        var u = NewName("u");
        var c = await ConnectAsync("client");
        // FUNC\0UNIQ\0REDUCER\0AGGREGATOR(unused, empty as libgearman sends it)\0DATA
        c.Send(Cmd.SubmitReduceJob, f, u, "my-reducer", "", "map-input");
        var h = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        var a = await w.GrabAsync(Cmd.GrabJobAll);
        Assert.Equal(Cmd.JobAssignAll, a.Type);
        Assert.Equal(new[] { h, f, u, "my-reducer", "map-input" }, a.Args.Select(Encoding.Latin1.GetString));

        w.Send(Cmd.WorkComplete, h, "reduced");
        Assert.Equal("reduced", (await c.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }

    [Fact]
    public async Task Grab_job_all_gives_job_assign_uniq_for_an_ordinary_job_and_grab_job_gives_a_reduce_job_plainly()
    {
        var f = NewName("map2");
        var c = await ConnectAsync("client");
        var plain = await c.SubmitAsync(Cmd.SubmitJobBg, f, "pu", "plain-data");
        c.Send(Cmd.SubmitReduceJobBackground, f, "ru", "reducer", "", "reduce-data");
        var reduce = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);
        // Nothing but JOB_CREATED for a background reduce job.
        await c.SyncAsync();

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        var a1 = await w.GrabAsync(Cmd.GrabJobAll);
        Assert.Equal(Cmd.JobAssignUniq, a1.Type);
        Assert.Equal(new[] { plain, f, "pu", "plain-data" }, a1.Args.Select(Encoding.Latin1.GetString));
        var a2 = await w.GrabAsync(Cmd.GrabJob);
        Assert.Equal(new[] { reduce, f, "reduce-data" }, a2.Args.Select(Encoding.Latin1.GetString));
    }
}
