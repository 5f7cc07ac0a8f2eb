using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Gearman.Actors.Hosting;
using Gearman.Actors.Server;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>gearman.output-limit: a connection whose unsent output passes the limit is dropped, over real TCP.</summary>
public sealed class OutputLimitTests
{
    private const int Limit = 1 << 20;

    /// <summary>Hands the first log line containing a text to a task.</summary>
    private sealed class LogWatch : ReceiveActor
    {
        public LogWatch(string text, TaskCompletionSource<string> seen) =>
            Receive<LogEvent>(e =>
            {
                var line = e.Message?.ToString() ?? "";
                if (line.Contains(text)) seen.TrySetResult(line);
            });
    }

    private static Task<string> WatchLog(ActorSystem system, string text)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = system.ActorOf(Props.Create(() => new LogWatch(text, seen)));
        system.EventStream.Subscribe(watch, typeof(LogEvent));
        return seen.Task;
    }

    private static long Field(string line, string name) => long.Parse(Regex.Match(line, $@"\b{name}=(\d+)").Groups[1].Value);

    private static byte[] Result(int i, int size) => Enumerable.Range(0, size).Select(b => (byte)(b * 7 + i)).ToArray();

    [Fact]
    public async Task A_client_that_never_reads_is_dropped_and_a_client_coalesced_on_its_job_still_gets_the_result()
    {
        const int jobs = 300;
        const int resultSize = 64 * 1024;
        await using var broker = await CustomBroker.StartAsync($"gearman.output-limit = {Limit}");
        var exceeded = WatchLog(broker.System, "event=output-limit-exceeded");
        var f = BrokerFixture.NewName("outlim");

        // The client that never reads: a small receive buffer, so the kernel holds little of what it is sent.
        var deaf = await broker.ConnectAsync("deaf", receiveBuffer: 4096);
        deaf.Send(Cmd.SetClientId, "never-reads");
        for (var i = 0; i < jobs; i++) deaf.Send(Cmd.SubmitJob, f, $"u{i}", "x");
        var admin = await broker.ConnectAsync("admin");
        await Eventually.TrueAsync(async () => (await admin.AdminListAsync("status")).Any(l => l.StartsWith(f + "\t" + jobs + "\t")),
            "the deaf client's jobs are queued");

        // Another client joins the last of them, which only a worker that gets past the deaf client's jobs reaches.
        var reader = await broker.ConnectAsync("reader");
        var shared = await reader.SubmitAsync(Cmd.SubmitJob, f, $"u{jobs - 1}", "x");

        var worker = await broker.ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        var sent = new Dictionary<string, byte[]>();
        for (var n = 0; ; n++)
        {
            Assert.True(n < jobs, "the worker got more jobs than were submitted");
            var job = await worker.GrabAsync(timeout: TimeSpan.FromSeconds(10));
            var handle = job.Text(0);
            var result = Result(n, resultSize);
            sent[handle] = result;
            worker.Send(Cmd.WorkComplete, GearmanTestClient.Latin1(handle), result);
            if (handle == shared) break;
        }

        var line = await exceeded.WaitAsync(TimeSpan.FromSeconds(10));
        // Held at the moment of the drop: at most the limit, the largest packet it does not count, and the packet
        // that passed it; the write in flight took at most as much before.
        Assert.InRange(Field(line, "bytes"), Limit, Limit + 3 * (resultSize + 1024));
        Assert.InRange(Field(line, "in-flight"), 0, Limit + 3 * (resultSize + 1024));

        var complete = await reader.ExpectAsync(Cmd.WorkComplete, TimeSpan.FromSeconds(10));
        Assert.Equal(shared, complete.Text(0));
        Assert.Equal(sent[shared], complete.Args[1]);

        // The deaf connection is gone from the server, and reading it now finds the end (or the reset).
        await Eventually.TrueAsync(async () => !(await admin.AdminListAsync("workers")).Any(l => l.Contains("never-reads")),
            "the dropped connection leaves the listing", TimeSpan.FromSeconds(10));
        for (var packets = 0; ; packets++)
        {
            Assert.True(packets <= 2 * jobs, "the deaf connection was not closed");
            try
            {
                await deaf.ReceivePacketAsync(TimeSpan.FromSeconds(10), "the end of the dropped connection");
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task A_client_that_reads_gets_a_result_larger_than_the_limit_behind_another_one()
    {
        await using var broker = await CustomBroker.StartAsync($"gearman.output-limit = {Limit}");
        var f = BrokerFixture.NewName("outbig");
        var client = await broker.ConnectAsync("client", receiveBuffer: 4096);
        var handle = await client.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var worker = await broker.ConnectAsync("worker");
        worker.Send(Cmd.CanDo, f);
        Assert.Equal(handle, (await worker.GrabAsync()).Text(0));

        // The client reads nothing yet: the first result stays in flight (more than the socket buffers hold, 4 MiB
        // at most on Linux), and the second, larger than the limit, waits behind it. One packet is never counted
        // against the limit.
        var first = Result(1, 6 * Limit);
        var second = Result(2, 8 * Limit);
        worker.Send(Cmd.WorkData, GearmanTestClient.Latin1(handle), first);
        worker.Send(Cmd.WorkComplete, GearmanTestClient.Latin1(handle), second);
        await worker.SyncAsync();

        var data = await client.ExpectAsync(Cmd.WorkData, TimeSpan.FromSeconds(10));
        Assert.Equal(first, data.Args[1]);
        var complete = await client.ExpectAsync(Cmd.WorkComplete, TimeSpan.FromSeconds(10));
        Assert.Equal(second, complete.Args[1]);
        await client.SyncAsync();
    }

    [Fact]
    public void Settings_flag_and_hosting_option_set_the_limit_and_256_MiB_is_the_default()
    {
        Assert.Equal(256L << 20, BrokerSettings.FromConfig(GearmanBroker.DefaultConfig).OutputLimit);
        Assert.Equal(0L, BrokerSettings.FromConfig(ConfigurationFactory.ParseString("gearman.output-limit = 0")).OutputLimit);

        var options = new ServerOptions();
        var parsed = options.BuildRoot().Parse(["--output-limit", "64MiB"]);
        Assert.Equal(64L << 20, BrokerSettings.FromConfig(ConfigurationFactory.ParseString(options.ToHocon(parsed))).OutputLimit);

        var hosted = BrokerSettings.FromConfig(new GearmanBrokerOptions { OutputLimit = 4096 }.ToHocon());
        Assert.Equal(4096L, hosted.OutputLimit);
    }
}
