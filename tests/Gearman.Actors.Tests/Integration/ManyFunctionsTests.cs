using System.Diagnostics;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>
/// One worker with tens of thousands of functions: registering them, a grab, and `status` must not cost work per
/// registered function on every request. The bounds are loose (a loaded two-core machine passes them by far); they
/// catch a grab that asks every queue (about 100 ms a grab at this size) and quadratic bookkeeping per CAN_DO.
/// </summary>
public sealed class ManyFunctionsTests
{
    private const int Functions = 20_000;

    [Fact]
    public async Task A_worker_with_twenty_thousand_functions_registers_and_grabs_the_right_job_quickly()
    {
        // A broker of its own: the shared one would list these functions in every other test's `status`.
        await using var broker = await CustomBroker.StartAsync("");
        var worker = await broker.ConnectAsync("worker");
        var names = Enumerable.Range(0, Functions).Select(i => $"many-{i:D5}").ToArray();
        var batch = new MemoryStream();
        foreach (var name in names) batch.Write(GearmanTestClient.Encode(Cmd.CanDo, name));

        var clock = Stopwatch.StartNew();
        worker.SendRaw(batch.ToArray());
        await worker.SyncAsync(TimeSpan.FromSeconds(30));
        var register = clock.Elapsed;
        Assert.True(register < TimeSpan.FromSeconds(5), $"registering {Functions} functions took {register}");

        // No job anywhere: each grab is answered without asking the queues.
        var idle = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            clock.Restart();
            worker.Send(Cmd.GrabJob);
            await worker.ExpectAsync(Cmd.NoJob, TimeSpan.FromSeconds(10));
            idle.Add(clock.Elapsed);
        }
        Assert.True(idle.Min() < TimeSpan.FromMilliseconds(30), $"idle grabs took {string.Join(", ", idle)}");

        // The first function registered is the last one gearmand 1.1.20's order tries; then the newest one's job
        // goes first.
        var client = await broker.ConnectAsync("client");
        var oldest = await client.SubmitAsync(Cmd.SubmitJobBg, names[0], "", "oldest");
        clock.Restart();
        var got = await worker.GrabAsync(timeout: TimeSpan.FromSeconds(10));
        var grab = clock.Elapsed;
        Assert.Equal((oldest, names[0]), (got.Text(0), got.Text(1)));
        Assert.True(grab < TimeSpan.FromMilliseconds(500), $"a grab took {grab}");

        await client.SubmitAsync(Cmd.SubmitJobBg, names[0], "", "oldest-2");
        var newest = await client.SubmitAsync(Cmd.SubmitJobBg, names[^1], "", "newest");
        Assert.Equal(newest, (await worker.GrabAsync()).Text(0));
        Assert.Equal("oldest-2", (await worker.GrabAsync()).Text(2));
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);

        var admin = await broker.ConnectAsync("admin");
        clock.Restart();
        var status = await admin.AdminListAsync("status");
        var listing = clock.Elapsed;
        Assert.Equal(Functions, status.Count);
        Assert.Contains($"{names[0]}\t2\t2\t1", status); // both of its jobs are still running
        Assert.True(listing < TimeSpan.FromSeconds(5), $"status took {listing}");
    }
}
