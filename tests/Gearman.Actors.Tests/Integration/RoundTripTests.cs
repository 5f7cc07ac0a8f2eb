using System.Text;
using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Tests.Support.GearmanTestClient;

namespace Gearman.Actors.Tests.Integration;

/// <summary>The basic job life: submit, grab, complete; echo; large payloads; order of pipelined replies.</summary>
[Collection(BrokerCollection.Name)]
public sealed class RoundTripTests : BrokerTest
{
    public RoundTripTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task Submit_grab_complete_round_trip()
    {
        var f = NewName("rt");
        var worker = await ConnectAsync("worker");
        await worker.RegisterIdleAsync(f);
        var client = await ConnectAsync("client");

        var handle = await client.SubmitAsync(Cmd.SubmitJob, f, "", "hello");
        Assert.StartsWith("H:", handle);
        Assert.True(handle.Length < 64, $"handle {handle} must fit the protocol's 64 bytes");

        var assign = await worker.GrabAsync();
        Assert.Equal(3, assign.Args.Length);
        Assert.Equal(handle, assign.Text(0));
        Assert.Equal(f, assign.Text(1));
        Assert.Equal("hello", assign.Text(2));

        worker.Send(Cmd.WorkComplete, handle, "olleh");
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(handle, done.Text(0));
        Assert.Equal("olleh", done.Text(1));

        // Nothing else is left for either side.
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
        await client.SyncAsync();
    }

    [Fact]
    public async Task Payload_bytes_pass_through_untouched_including_NUL_and_high_bytes()
    {
        var f = NewName("bin");
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 0, 255, 0 }).ToArray();
        var result = payload.Reverse().ToArray();
        var worker = await ConnectAsync("worker");
        await worker.RegisterIdleAsync(f);
        var client = await ConnectAsync("client");

        var handle = await client.SubmitAsync(Cmd.SubmitJob, f, "", payload);
        var assign = await worker.GrabAsync();
        Assert.Equal(payload, assign.Args[2]);

        worker.Send(Cmd.WorkComplete, Latin1(handle), result);
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(result, done.Args[1]);
    }

    [Fact]
    public async Task Grab_job_uniq_carries_the_unique_and_an_empty_one_when_none_was_given()
    {
        var f = NewName("uniq");
        var client = await ConnectAsync("client");
        var h1 = await client.SubmitAsync(Cmd.SubmitJobBg, f, "my-unique", "d1");
        var h2 = await client.SubmitAsync(Cmd.SubmitJobBg, f, "", "d2");
        Assert.NotEqual(h1, h2);

        var worker = await ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var a1 = await worker.GrabAsync(Cmd.GrabJobUniq);
        Assert.Equal(new[] { h1, f, "my-unique", "d1" }, a1.Args.Select(Encoding.Latin1.GetString));
        var a2 = await worker.GrabAsync(Cmd.GrabJobUniq);
        Assert.Equal(new[] { h2, f, "", "d2" }, a2.Args.Select(Encoding.Latin1.GetString));
        worker.Send(Cmd.WorkComplete, h1, "");
        worker.Send(Cmd.WorkComplete, h2, "");
        await worker.SyncAsync();
    }

    [Fact]
    public async Task Echo_returns_the_data_untouched()
    {
        var c = await ConnectAsync();
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        c.Send(Cmd.EchoReq, data);
        var echo = await c.ExpectAsync(Cmd.EchoRes);
        Assert.Equal(data, echo.Body);

        c.Send(Cmd.EchoReq, Array.Empty<byte>());
        Assert.Empty((await c.ExpectAsync(Cmd.EchoRes)).Body);
    }

    [Fact]
    public async Task Grab_without_any_can_do_gets_no_job()
    {
        var c = await ConnectAsync();
        foreach (var grab in new[] { Cmd.GrabJob, Cmd.GrabJobUniq, Cmd.GrabJobAll })
        {
            c.Send(grab);
            await c.ExpectAsync(Cmd.NoJob);
        }
    }

    [Fact]
    public async Task Pipelined_submits_to_two_functions_get_job_created_in_submit_order()
    {
        const int n = 200;
        var fa = NewName("pipe-a");
        var fb = NewName("pipe-b");
        var client = await ConnectAsync("client");

        // All submits in one write, alternating between two functions (two different queues).
        var batch = new MemoryStream();
        for (var i = 0; i < n; i++) batch.Write(Encode(Cmd.SubmitJobBg, i % 2 == 0 ? fa : fb, $"u{i}", $"d{i}"));
        client.SendRaw(batch.ToArray());
        var handles = new string[n];
        for (var i = 0; i < n; i++) handles[i] = (await client.ExpectAsync(Cmd.JobCreated)).Text(0);
        Assert.Equal(n, handles.Distinct().Count());

        // Which job each handle names, as the workers see it.
        var uniqueOf = new Dictionary<string, string>();
        foreach (var (function, name) in new[] { (fa, "worker-a"), (fb, "worker-b") })
        {
            var w = await ConnectAsync(name);
            w.Send(Cmd.CanDo, function);
            var order = new List<int>();
            for (var k = 0; k < n / 2; k++)
            {
                var a = await w.GrabAsync(Cmd.GrabJobUniq);
                uniqueOf[a.Text(0)] = a.Text(2);
                order.Add(int.Parse(a.Text(2)[1..]));
                w.Send(Cmd.WorkComplete, a.Text(0), "");
            }
            // FIFO within the function.
            Assert.Equal(order.OrderBy(x => x), order);
            w.Send(Cmd.GrabJob);
            await w.ExpectAsync(Cmd.NoJob);
        }
        for (var i = 0; i < n; i++)
            Assert.True(uniqueOf[handles[i]] == $"u{i}", $"JOB_CREATED #{i} carried the handle of {uniqueOf[handles[i]]}");
    }

    [Fact]
    public async Task A_64_MiB_payload_makes_the_round_trip()
    {
        var f = NewName("big");
        var payload = new byte[64 << 20];
        new Random(42).NextBytes(payload);
        var result = (byte[])payload.Clone();
        Array.Reverse(result);
        var big = TimeSpan.FromSeconds(60);

        var worker = await ConnectAsync("worker");
        await worker.RegisterIdleAsync(f);
        var client = await ConnectAsync("client");

        client.Send(Cmd.SubmitJob, Latin1(f), Array.Empty<byte>(), payload);
        var handle = (await client.ExpectAsync(Cmd.JobCreated, big)).Text(0);

        var assign = await worker.GrabAsync(timeout: big);
        Assert.Equal(handle, assign.Text(0));
        Assert.True(payload.AsSpan().SequenceEqual(assign.Args[2]), "the worker got a different payload");
        assign = null;

        var received = client.ExpectAsync(Cmd.WorkComplete, big);
        await Task.Run(() => worker.Send(Cmd.WorkComplete, Latin1(handle), result));
        var done = await received;
        Assert.Equal(handle, done.Text(0));
        Assert.Equal(result.Length, done.Args[1].Length);
        Assert.True(result.AsSpan().SequenceEqual(done.Args[1]), "the client got a different result");
    }

    [Fact]
    public async Task Function_names_are_bytes_including_non_ascii_and_the_empty_name()
    {
        // UTF-8 bytes sent as they are; the server must neither re-encode nor mangle them.
        var f = GearmanTestClient.Latin1(NewName("fn")) is var ascii
            ? System.Text.Encoding.Latin1.GetString(ascii.Concat(System.Text.Encoding.UTF8.GetBytes("-é-日本")).ToArray())
            : "";
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var a = await w.GrabAsync();
        Assert.Equal(f, a.Text(1));
        w.Send(Cmd.WorkComplete, h, "");
        await c.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal((0, 0, 1), await StatusOfAsync(await ConnectAsync("admin"), f));

        // An empty function name is accepted too.
        var empty = await c.SubmitAsync(Cmd.SubmitJob, "", "", "for nobody in particular");
        var w2 = await ConnectAsync("worker-empty");
        w2.Send(Cmd.CanDo, "");
        var a2 = await w2.GrabAsync();
        Assert.Equal(empty, a2.Text(0));
        Assert.Equal("", a2.Text(1));
        w2.Send(Cmd.WorkComplete, empty, "ok");
        Assert.Equal("ok", (await c.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }

    [Fact]
    public async Task Binary_requests_and_admin_lines_pipelined_on_one_connection_are_answered_in_order()
    {
        var fa = NewName("mixed-a");
        var fb = NewName("mixed-b");
        var c = await ConnectAsync();
        var batch = new MemoryStream();
        batch.Write(Encode(Cmd.SubmitJobBg, fa, "", "1"));
        batch.Write(Latin1("status\n"));
        batch.Write(Encode(Cmd.EchoReq, "echo-1"));
        batch.Write(Latin1("version\n"));
        batch.Write(Encode(Cmd.SubmitJobBg, fb, "", "2"));
        batch.Write(Latin1("show jobs\n"));
        batch.Write(Encode(Cmd.EchoReq, "echo-2"));
        c.SendRaw(batch.ToArray());

        await c.ExpectAsync(Cmd.JobCreated);
        for (var line = await c.ReadLineAsync(); line != "."; line = await c.ReadLineAsync())
            Assert.Matches(@"^[^\t]*\t\d+\t\d+\t\d+$", line);
        Assert.Equal("echo-1", (await c.ExpectAsync(Cmd.EchoRes)).Text(0));
        Assert.StartsWith("OK ", await c.ReadLineAsync());
        await c.ExpectAsync(Cmd.JobCreated);
        for (var line = await c.ReadLineAsync(); line != "."; line = await c.ReadLineAsync())
            Assert.Matches(@"^[^\t]+\t\d+\t[01]\t[01]$", line);
        Assert.Equal("echo-2", (await c.ExpectAsync(Cmd.EchoRes)).Text(0));
    }

    /// <summary>
    /// gearmand runs one connection's requests one after the other, so a listing pipelined behind a submit (and
    /// answered after its JOB_CREATED) includes that job.
    /// </summary>
    [Fact]
    public async Task Admin_listings_pipelined_after_a_submit_include_that_job()
    {
        var f = NewName("pipe-status");
        var c = await ConnectAsync();
        c.SendRaw(Encode(Cmd.SubmitJobBg, f, "", "x").Concat(Latin1("status\nshow jobs\n")).ToArray());
        var h = (await c.ExpectAsync(Cmd.JobCreated)).Text(0);
        var status = new List<string>();
        for (var line = await c.ReadLineAsync(); line != "."; line = await c.ReadLineAsync()) status.Add(line);
        var jobs = new List<string>();
        for (var line = await c.ReadLineAsync(); line != "."; line = await c.ReadLineAsync()) jobs.Add(line);
        Assert.True(status.Contains($"{f}\t1\t0\t0"), $"`status` answered after JOB_CREATED {h} does not count the job");
        Assert.True(jobs.Contains($"{h}\t0\t0\t1"), $"`show jobs` answered after JOB_CREATED {h} does not list the job");
    }

    /// <summary>The same for GET_STATUS_UNIQUE pipelined behind the submit of that unique.</summary>
    [Fact]
    public async Task Get_status_unique_pipelined_after_its_submit_knows_the_job()
    {
        var f = NewName("pipe-su");
        var u = NewName("u");
        var c = await ConnectAsync();
        c.SendRaw(Encode(Cmd.SubmitJobBg, f, u, "x").Concat(Encode(Cmd.GetStatusUnique, u)).ToArray());
        await c.ExpectAsync(Cmd.JobCreated);
        var status = await c.ExpectAsync(Cmd.StatusResUnique);
        Assert.True(status.Text(1) == "1", $"answered after JOB_CREATED, yet the job is unknown: {status}");
    }

    [Fact]
    public async Task Two_hundred_connections_at_once_are_all_served()
    {
        const int n = 200;
        var clients = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ConnectAsync($"c{i}")));
        foreach (var c in clients) c.Send(Cmd.EchoReq, c.Name);
        foreach (var c in clients) Assert.Equal(c.Name, (await c.ExpectAsync(Cmd.EchoRes)).Text(0));
    }
}
