using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Tests.Support.GearmanTestClient;

namespace Gearman.Actors.Tests.Integration;

/// <summary>Malformed and hostile input: what the offending connection gets, and that others do not notice.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BadInputTests : BrokerTest
{
    public BadInputTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task Bad_magic_gets_an_error_and_the_connection_is_closed()
    {
        var c = await ConnectAsync();
        c.SendRaw(GearmanTestClient.Header(new byte[] { 0, (byte)'X', (byte)'Y', (byte)'Z' }, Cmd.EchoReq, 0));
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("INVALID_MAGIC", e.Text(0));
        await c.ExpectClosedAsync();

        // The server itself is fine.
        await (await ConnectAsync("other")).SyncAsync();
    }

    [Fact]
    public async Task Res_magic_on_a_request_gets_invalid_magic_and_the_connection_stays_usable()
    {
        var c = await ConnectAsync();
        c.SendRaw(Encode(Cmd.EchoReq, new[] { Latin1("hi") }, ResMagic));
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal(new[] { "INVALID_MAGIC", "Request magic expected" }, new[] { e.Text(0), e.Text(1) });
        await c.SyncAsync();
    }

    [Theory]
    [InlineData(43)]
    [InlineData(99)]
    [InlineData(100000)]
    public async Task An_unknown_command_number_gets_an_error_and_the_connection_stays_usable(int type)
    {
        var c = await ConnectAsync();
        c.Send(type, "some", "args");
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("INVALID_COMMAND", e.Text(0));
        await c.SyncAsync();
    }

    [Theory]
    [InlineData(5)]              // unused number
    [InlineData(Cmd.Noop)]       // response-only types
    [InlineData(Cmd.JobCreated)]
    [InlineData(Cmd.StatusRes)]
    [InlineData(Cmd.SubmitJobSched)]
    [InlineData(Cmd.AllYours)]
    public async Task A_command_a_server_does_not_take_gets_an_error_and_the_connection_stays_usable(int type)
    {
        var c = await ConnectAsync();
        c.Send(type, "x");
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("INVALID_COMMAND", e.Text(0));
        await c.SyncAsync();
    }

    [Fact]
    public async Task Wrong_argument_counts_get_an_error_and_the_connection_stays_usable()
    {
        var c = await ConnectAsync();
        foreach (var (type, args) in new[]
                 {
                     (Cmd.SubmitJob, new[] { "only-a-function" }),
                     (Cmd.SubmitJobBg, new[] { "function", "unique-but-no-data-separator" }),
                     (Cmd.CanDoTimeout, new[] { "function-without-timeout" }),
                     (Cmd.SubmitReduceJob, new[] { "f", "u", "reducer-but-too-few" }),
                 })
        {
            c.Send(type, args);
            var p = await c.ReceivePacketAsync(expecting: $"ERROR for {Cmd.Name(type)} with {args.Length} args");
            Assert.True(p.Type == Cmd.Error, $"{Cmd.Name(type)} with {args.Length} argument(s) got {p}");
        }
        await c.SyncAsync();
    }

    [Fact]
    public async Task A_unique_longer_than_64_bytes_is_refused_and_64_is_accepted()
    {
        var f = NewName("long-unique");
        var c = await ConnectAsync();
        c.Send(Cmd.SubmitJobBg, f, new string('u', 65), "x");
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal(new[] { "ARGUMENT_TOO_LARGE", "Unique value too large" }, new[] { e.Text(0), e.Text(1) });
        await c.SubmitAsync(Cmd.SubmitJobBg, f, new string('u', 64), "x");
    }

    [Fact]
    public async Task A_declared_4_GiB_body_cut_short_and_closed_does_not_disturb_another_connection()
    {
        var f = NewName("after-huge");
        var other = await ConnectAsync("other");
        var hostile = await ConnectAsync("hostile");
        hostile.SendRaw(GearmanTestClient.Header(ReqMagic, Cmd.SubmitJob, uint.MaxValue));
        hostile.SendRaw(new byte[1 << 20]);

        // While the hostile body is pending and after it is abandoned, others are served.
        await other.SyncAsync();
        hostile.Dispose();
        await other.SyncAsync();
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        var h = await other.SubmitAsync(Cmd.SubmitJob, f, "", "still working");
        Assert.Equal(h, (await w.GrabAsync()).Text(0));
        w.Send(Cmd.WorkComplete, h, "yes");
        Assert.Equal("yes", (await other.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }

    [Fact]
    public async Task A_submit_split_into_single_bytes_is_understood()
    {
        var f = NewName("bytewise");
        var c = await ConnectAsync();
        foreach (var b in Encode(Cmd.SubmitJobBg, f, "", "slowly")) c.SendRaw(new[] { b });
        await c.ExpectAsync(Cmd.JobCreated);
    }

    /// <summary>
    /// A client that floods ECHO_REQ and never reads the replies only holds itself up: another connection is
    /// served meanwhile, and the flooder gets every reply, in order, once it reads.
    /// </summary>
    [Fact]
    public async Task A_client_that_never_reads_its_replies_does_not_stop_others_from_being_served()
    {
        const int count = 96;
        var chunk = 1 << 20;
        var f = NewName("flood");
        var flooder = await ConnectAsync("flooder");
        var packets = Enumerable.Range(0, count).Select(i =>
        {
            var data = new byte[chunk];
            data.AsSpan().Fill((byte)i);
            return Encode(Cmd.EchoReq, new[] { data });
        }).ToArray();
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            foreach (var p in packets) await flooder.SendRawAsync(p, stop.Token);
        });

        var other = await ConnectAsync("other");
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        for (var i = 0; i < 20; i++)
        {
            await other.SyncAsync();
            var h = await other.SubmitAsync(Cmd.SubmitJob, f, "", $"job {i}");
            Assert.Equal(h, (await w.GrabAsync()).Text(0));
            w.Send(Cmd.WorkComplete, h, "ok");
            await other.ExpectAsync(Cmd.WorkComplete);
        }
        // 96 MiB is more than the server buffers for a peer plus what the sockets hold, so the flood is stuck.
        Assert.False(flood.IsCompleted, "the server read 96 MiB from a peer that reads nothing back");

        // Once the flooder reads, everything arrives, in order.
        for (var i = 0; i < count; i++)
        {
            var echo = await flooder.ExpectAsync(Cmd.EchoRes, TimeSpan.FromSeconds(30));
            Assert.Equal(chunk, echo.Body.Length);
            Assert.True(echo.Body[0] == (byte)i && echo.Body[^1] == (byte)i, $"echo #{i} came out of order");
        }
        await flood.WaitAsync(TimeSpan.FromSeconds(30));
        await flooder.SyncAsync();
    }

    [Fact]
    public async Task An_admin_line_that_never_ends_is_refused_and_closed_instead_of_buffered_forever()
    {
        var c = await ConnectAsync();
        var line = new byte[200 * 1024];
        line.AsSpan().Fill((byte)'a');
        c.SendRaw(line);
        var reply = await c.ReadRawLineAsync();
        Assert.StartsWith("ERR ", reply);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task An_admin_line_longer_than_gearmands_8_KiB_buffer_is_refused_and_closed_and_one_that_fits_is_answered()
    {
        var fits = await ConnectAsync("fits");
        fits.SendText("version" + new string(' ', 8190 - "version".Length) + "\r");
        Assert.StartsWith("OK ", await fits.ReadRawLineAsync());

        var tooLong = await ConnectAsync("too-long");
        tooLong.SendText(new string('x', 8191) + "\r");
        Assert.StartsWith("ERR ", await tooLong.ReadRawLineAsync());
        await tooLong.ExpectClosedAsync();
    }
}
