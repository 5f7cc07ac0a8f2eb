using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>
/// One request must never take a function out of service or lose its acknowledged jobs, in any store: not a drop
/// whose removals are still being written, not an epoch far in the future, not a job too large for the store, and
/// not a limit set before the function exists. Each case over real TCP, in every store mode, and where the store is
/// durable, again after a restart on the same store.
/// </summary>
public sealed class FunctionOutageTests
{
    private static Task<CustomBroker> StartAsync(StoreMode mode, string extra = "") =>
        CustomBroker.StartAsync(mode.Hocon + "\n" + extra);

    private static async Task<Dictionary<string, int[]>> StatusAsync(GearmanTestClient admin)
    {
        var result = new Dictionary<string, int[]>();
        foreach (var line in await admin.AdminListAsync("status"))
        {
            var f = line.Split('\t');
            result[f[0]] = new[] { int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]) };
        }
        return result;
    }

    // ------------------------------------------------------------------ drop function

    [Theory]
    [InlineData("builtin")]
    [InlineData("sqlite")]
    public Task A_dropped_functions_jobs_never_come_back(string mode) => DroppedJobsStayGone(mode);

    [PostgresFact]
    public Task A_dropped_functions_jobs_never_come_back_on_postgres() => DroppedJobsStayGone("postgres");

    private static async Task DroppedJobsStayGone(string modeName)
    {
        using var mode = StoreMode.Create(modeName);
        var f = BrokerFixture.NewName("dropped");
        await using (var broker = await StartAsync(mode))
        {
            var c = await broker.ConnectAsync("client");
            for (var i = 0; i < 3; i++) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "job" + i);
            Assert.Equal("OK\r\n", await c.AdminAsync("drop function " + f));
            Assert.False((await StatusAsync(c)).ContainsKey(f));

            // A worker names the function again: its queue starts anew, and must not find the dropped jobs.
            var w = await broker.ConnectAsync("worker");
            w.Send(Cmd.CanDo, f);
            w.Send(Cmd.GrabJob);
            await w.ExpectAsync(Cmd.NoJob);
        }
        if (!mode.Durable) return;
        await using (var broker = await StartAsync(mode))
        {
            var w = await broker.ConnectAsync("worker");
            w.Send(Cmd.CanDo, f);
            w.Send(Cmd.GrabJob);
            await w.ExpectAsync(Cmd.NoJob);
        }
    }

    // ------------------------------------------------------------------ maxqueue before the function exists

    [Theory]
    [InlineData("builtin")]
    [InlineData("sqlite")]
    public async Task Maxqueue_for_a_function_not_yet_known_creates_it_with_that_limit(string modeName)
    {
        using var mode = StoreMode.Create(modeName);
        var f = BrokerFixture.NewName("limited");
        await using var broker = await StartAsync(mode);
        var c = await broker.ConnectAsync("client");
        Assert.Equal("OK\r\n", await c.AdminAsync($"maxqueue {f} 1"));
        Assert.Equal(new[] { 0, 0, 0 }, (await StatusAsync(c))[f]);

        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "first");
        c.Send(Cmd.SubmitJobBg, f, "", "second");
        var e = await c.ExpectAsync(Cmd.Error);
        Assert.Equal("QUEUE_ERROR", e.Text(0));
        Assert.Equal("Job queue is full", e.Text(1));
        Assert.Equal(new[] { 1, 0, 0 }, (await StatusAsync(c))[f]);
    }

    // ------------------------------------------------------------------ an epoch far in the future

    [Theory]
    [InlineData("builtin")]
    [InlineData("sqlite")]
    public Task An_epoch_far_in_the_future_is_queued_and_the_function_keeps_its_jobs(string mode) => FarEpoch(mode);

    [PostgresFact]
    public Task An_epoch_far_in_the_future_is_queued_and_the_function_keeps_its_jobs_on_postgres() => FarEpoch("postgres");

    private static async Task FarEpoch(string modeName)
    {
        using var mode = StoreMode.Create(modeName);
        var f = BrokerFixture.NewName("victim");
        await using (var broker = await StartAsync(mode))
        {
            var c = await broker.ConnectAsync("client");
            for (var i = 0; i < 5; i++) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "job" + i);
            // About 3.2 million years from now: more seconds than a TimeSpan holds.
            await c.SubmitAsync(Cmd.SubmitJobEpoch, f, "", GearmanTestClient.Latin1("99999999999999\0x"));
            await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "after");
            Assert.Equal(new[] { 7, 0, 0 }, (await StatusAsync(c))[f]);
        }
        if (!mode.Durable) return;
        await using (var broker = await StartAsync(mode))
        {
            var w = await broker.ConnectAsync("worker");
            w.Send(Cmd.CanDo, f);
            var seen = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var job = await w.GrabAsync();
                seen.Add(job.Text(2));
                w.Send(Cmd.WorkComplete, job.Text(0), "");
            }
            Assert.Equal(new[] { "job0", "job1", "job2", "job3", "job4", "after" }, seen);
            // The far one stays queued, not yet due.
            w.Send(Cmd.GrabJob);
            await w.ExpectAsync(Cmd.NoJob);
            Assert.Equal(new[] { 1, 0, 1 }, (await StatusAsync(w))[f]);
        }
    }

    // ------------------------------------------------------------------ a job the store can never write

    [Fact]
    public Task A_job_too_large_for_the_store_is_refused_at_once_and_the_function_goes_on() => TooLargeForStore("sqlite");

    [PostgresFact]
    public Task A_job_too_large_for_the_store_is_refused_at_once_and_the_function_goes_on_on_postgres() => TooLargeForStore("postgres");

    private static async Task TooLargeForStore(string modeName)
    {
        using var mode = StoreMode.Create(modeName);
        var f = BrokerFixture.NewName("large");
        const string limit = "gearman.store-max-write = 1MiB";
        var big = new byte[(1 << 20) + 1];
        var half = new byte[600 << 10];
        await using (var broker = await StartAsync(mode, limit))
        {
            var c = await broker.ConnectAsync("client");
            c.Send(Cmd.SubmitJobBg, GearmanTestClient.Latin1(f), Array.Empty<byte>(), big);
            var e = await c.ExpectAsync(Cmd.Error);
            Assert.Equal("QUEUE_ERROR", e.Text(0));
            Assert.Contains("larger than the job store takes", e.Text(1));

            await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "small");
            // Two jobs that fit alone but not together: pipelined, so they meet in one batch, which is cut in two.
            c.Send(Cmd.SubmitJobBg, GearmanTestClient.Latin1(f), Array.Empty<byte>(), half);
            c.Send(Cmd.SubmitJobBg, GearmanTestClient.Latin1(f), Array.Empty<byte>(), half);
            await c.ExpectAsync(Cmd.JobCreated);
            await c.ExpectAsync(Cmd.JobCreated);
            Assert.Equal(new[] { 3, 0, 0 }, (await StatusAsync(c))[f]);
        }
        await using (var broker = await StartAsync(mode, limit))
        {
            var w = await broker.ConnectAsync("worker");
            w.Send(Cmd.CanDo, f);
            var job = await w.GrabAsync();
            Assert.Equal("small", job.Text(2));
            for (var i = 0; i < 2; i++)
            {
                w.Send(Cmd.WorkComplete, job.Text(0), "");
                job = await w.GrabAsync();
                Assert.Equal(half.Length, job.Args[2].Length);
            }
        }
    }

    // ------------------------------------------------------------------ a job the database refuses

    [Fact]
    public Task A_job_the_database_refuses_fails_alone_and_the_function_goes_on() => RefusedByDatabase("sqlite");

    [PostgresFact]
    public Task A_job_the_database_refuses_fails_alone_and_the_function_goes_on_on_postgres() => RefusedByDatabase("postgres");

    /// <summary>
    /// A trigger stands for any rule of the database that a write breaks for good (a constraint, a limit): it refuses
    /// this test's journal rows over 100,000 bytes, as SQLite's and PostgreSQL's constraint errors.
    /// </summary>
    private static async Task RefuseLargeRows(StoreMode mode, string dataDir, string function)
    {
        if (mode.Name == "sqlite")
        {
            await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "gearman.db")}");
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = $"""
                CREATE TRIGGER refuse_large BEFORE INSERT ON journal
                WHEN length(NEW.message) > 100000 AND NEW.persistence_id LIKE '%{function}%'
                BEGIN SELECT RAISE(ABORT, 'row too large for this test'); END;
                """;
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            await using var db = new Npgsql.NpgsqlConnection(PostgresFactAttribute.ConnectionString);
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            var name = "refuse_" + function.Replace("-", "_");
            cmd.CommandText = $"""
                CREATE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                  IF length(NEW.message) > 100000 AND NEW.persistence_id LIKE '%{function}%' THEN
                    RAISE EXCEPTION 'row too large for this test' USING ERRCODE = 'check_violation';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;
                CREATE TRIGGER {name} BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION {name}();
                """;
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task RefusedByDatabase(string modeName)
    {
        using var mode = StoreMode.Create(modeName);
        var f = BrokerFixture.NewName("refuse");
        var big = new byte[200_000];
        await using (var broker = await StartAsync(mode))
        {
            var c = await broker.ConnectAsync("client");
            await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "first");
            await RefuseLargeRows(mode, mode.DataDir!, f);

            // One write, as they arrive together while nothing else is written: the store refuses it, the queue writes
            // each job alone, and only the large one fails.
            c.SendRaw(GearmanTestClient.Encode(Cmd.SubmitJobBg, new[] { GearmanTestClient.Latin1(f), Array.Empty<byte>(), big })
                .Concat(GearmanTestClient.Encode(Cmd.SubmitJobBg, f, "", "second")).ToArray());
            var error = await c.ExpectAsync(Cmd.Error, TimeSpan.FromSeconds(15));
            Assert.Equal("QUEUE_ERROR", error.Text(0));
            Assert.Contains("refused the job", error.Text(1));
            await c.ExpectAsync(Cmd.JobCreated, TimeSpan.FromSeconds(15));
            await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "third");
            Assert.Equal(new[] { 3, 0, 0 }, (await StatusAsync(c))[f]);
        }
        await using (var broker = await StartAsync(mode))
        {
            var w = await broker.ConnectAsync("worker");
            w.Send(Cmd.CanDo, f);
            foreach (var expected in new[] { "first", "second", "third" })
            {
                var job = await w.GrabAsync();
                Assert.Equal(expected, job.Text(2));
                w.Send(Cmd.WorkComplete, job.Text(0), "");
            }
            w.Send(Cmd.GrabJob);
            await w.ExpectAsync(Cmd.NoJob);
        }
    }
}
