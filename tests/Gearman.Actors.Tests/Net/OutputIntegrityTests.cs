using System.Buffers.Binary;
using System.Collections.Concurrent;
using Gearman.Actors.Net;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Net;

/// <summary>
/// Every byte of every reply under load, over real TCP: output buffers reuse their arrays once a write is
/// acknowledged, and payloads of <see cref="OutputBuffer.ZeroCopyThreshold"/> bytes and more are sent from the
/// decoder's own buffers. A buffer written to while a write still uses it shows up here as a wrong byte, a wrong
/// packet or a handle seen twice.
/// </summary>
public sealed class OutputIntegrityTests
{
    private const int Clients = 12;
    private const int JobsPerClient = 24;
    private const int Workers = 3;

    /// <summary>Small, on both sides of the zero-copy threshold, and larger than one decoder array (1 MiB).</summary>
    private static readonly int[] Sizes =
    [
        16, 100, 4000, OutputBuffer.ZeroCopyThreshold - 1, OutputBuffer.ZeroCopyThreshold,
        OutputBuffer.ZeroCopyThreshold + 1, 65_549, (1 << 20) + 7, 40_000,
    ];

    /// <summary>A payload that names its client, job and size in its first 16 bytes; the rest follows from them.</summary>
    private static byte[] Payload(int client, int job, int size)
    {
        var data = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(data, 0x4741504C); // "GAPL"
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), client);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(8), job);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(12), size);
        var x = (ulong)(client * 1_000_003 + job) * 0x9E3779B97F4A7C15UL | 1;
        for (var i = 16; i < size; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data[i] = (byte)x;
        }
        return data;
    }

    /// <summary>Checks a payload against the one its own header describes; the worker has nothing else to go by.</summary>
    private static void AssertWhole(byte[] data, string where)
    {
        Assert.True(data.Length >= 16, $"{where}: payload of {data.Length} bytes");
        var client = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        var job = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(8));
        var size = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12));
        AssertSame(Payload(client, job, size), data, $"{where} (client {client} job {job})");
    }

    private static void AssertSame(byte[] expected, byte[] actual, string where)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        var at = 0;
        while (at < Math.Min(expected.Length, actual.Length) && expected[at] == actual[at]) at++;
        Assert.Fail($"{where}: {actual.Length} bytes where {expected.Length} were sent, first difference at byte {at}");
    }

    [Fact]
    public async Task Every_byte_of_every_reply_arrives_intact_under_load()
    {
        await using var broker = await CustomBroker.StartAsync("");
        var function = BrokerFixture.NewName("integrity");
        using var done = new CancellationTokenSource();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var workers = new List<Task>();
        for (var w = 0; w < Workers; w++)
        {
            var worker = await broker.ConnectAsync($"worker{w}");
            workers.Add(Task.Run(() => WorkAsync(worker, function, done.Token)));
        }
        var clients = new List<Task>();
        for (var c = 0; c < Clients; c++)
        {
            var client = await broker.ConnectAsync($"client{c}");
            var id = c;
            clients.Add(Task.Run(() => SubmitAndCheckAsync(client, id, function, deadline.Token)));
        }

        var all = Task.WhenAll(clients);
        await Task.WhenAny(all, Task.WhenAll(workers), Task.Delay(Timeout.Infinite, deadline.Token).ContinueWith(_ => { }));
        done.Cancel();
        if (!all.IsCompleted)
        {
            // A worker that failed is the story: show its error rather than the clients' timeouts.
            foreach (var w in workers.Where(t => t.IsFaulted)) await w;
            Assert.Fail("the clients did not finish in time");
        }
        await all;
        await Task.WhenAll(workers);
    }

    /// <summary>Grabs jobs until told to stop; each job's data is checked, then sent back after a WORK_STATUS.</summary>
    private static async Task WorkAsync(GearmanTestClient w, string function, CancellationToken done)
    {
        w.Send(Cmd.CanDo, function);
        while (!done.IsCancellationRequested)
        {
            w.Send(Cmd.GrabJob);
            var p = await w.ReceivePacketAsync(TimeSpan.FromSeconds(30), "a job or NO_JOB");
            if (p.Type == Cmd.NoJob)
            {
                w.Send(Cmd.PreSleep);
                while (!done.IsCancellationRequested)
                {
                    try
                    {
                        await w.ExpectAsync(Cmd.Noop, TimeSpan.FromMilliseconds(500));
                        break;
                    }
                    catch (TimeoutException)
                    {
                        // asleep and nothing came: look at the flag again
                    }
                }
                continue;
            }
            Assert.True(p.Type == Cmd.JobAssign, $"{w.Name}: expected JOB_ASSIGN, got {p}");
            var handle = p.Text(0);
            var data = p.Args[2];
            AssertWhole(data, $"{w.Name}: JOB_ASSIGN {handle}");
            w.Send(Cmd.WorkStatus, handle, "1", "2");
            w.Send(Cmd.WorkComplete, GearmanTestClient.Latin1(handle), data);
        }
    }

    private sealed record Expected(int Job, byte[]? Echo);

    /// <summary>
    /// Submits jobs (and now and then an ECHO_REQ) while reading on another task: every reply must be the one due
    /// next, every handle new, every result exactly the payload submitted.
    /// </summary>
    private static async Task SubmitAndCheckAsync(GearmanTestClient c, int client, string function, CancellationToken deadline)
    {
        var due = new ConcurrentQueue<Expected>();
        using var window = new SemaphoreSlim(8);
        var writer = Task.Run(async () =>
        {
            for (var job = 0; job < JobsPerClient; job++)
            {
                await window.WaitAsync(deadline);
                var size = Sizes[(job + client) % Sizes.Length];
                due.Enqueue(new Expected(job, null));
                c.Send(Cmd.SubmitJob, GearmanTestClient.Latin1(function), [], Payload(client, job, size));
                if (job % 5 == 2)
                {
                    var echo = Payload(client, 10_000 + job, Sizes[(job * 7 + client) % Sizes.Length]);
                    due.Enqueue(new Expected(-1, echo));
                    c.Send(Cmd.EchoReq, echo);
                }
            }
        }, deadline);

        var jobs = new Dictionary<string, (int Job, bool Status)>();
        var completed = 0;
        var echoes = 0;
        var echoesDue = Enumerable.Range(0, JobsPerClient).Count(job => job % 5 == 2);
        while (completed < JobsPerClient || echoes < echoesDue)
        {
            var p = await c.ReceivePacketAsync(TimeSpan.FromSeconds(60), "a reply");
            switch (p.Type)
            {
                case Cmd.JobCreated:
                {
                    Assert.True(due.TryDequeue(out var next) && next.Echo is null, $"{c.Name}: JOB_CREATED {p.Text(0)} where none was due");
                    Assert.True(jobs.TryAdd(p.Text(0), (next!.Job, false)), $"{c.Name}: job handle {p.Text(0)} given twice");
                    break;
                }
                case Cmd.EchoRes:
                {
                    Assert.True(due.TryDequeue(out var next) && next.Echo is not null, $"{c.Name}: ECHO_RES where JOB_CREATED was due");
                    AssertSame(next!.Echo!, p.Body, $"{c.Name}: ECHO_RES");
                    echoes++;
                    break;
                }
                case Cmd.WorkStatus:
                {
                    Assert.True(jobs.TryGetValue(p.Text(0), out var job), $"{c.Name}: WORK_STATUS for unknown handle {p}");
                    Assert.False(job.Status, $"{c.Name}: second WORK_STATUS for {p.Text(0)}");
                    Assert.Equal(("1", "2"), (p.Text(1), p.Text(2)));
                    jobs[p.Text(0)] = (job.Job, true);
                    break;
                }
                case Cmd.WorkComplete:
                {
                    Assert.True(jobs.Remove(p.Text(0), out var job), $"{c.Name}: WORK_COMPLETE for unknown or finished handle {p}");
                    Assert.True(job.Status, $"{c.Name}: WORK_COMPLETE for {p.Text(0)} before its WORK_STATUS");
                    var size = Sizes[(job.Job + client) % Sizes.Length];
                    AssertSame(Payload(client, job.Job, size), p.Args[1], $"{c.Name}: WORK_COMPLETE of job {job.Job}");
                    completed++;
                    window.Release();
                    break;
                }
                default:
                    Assert.Fail($"{c.Name}: unexpected {p}");
                    break;
            }
        }
        await writer;
        Assert.Empty(due);
    }
}
