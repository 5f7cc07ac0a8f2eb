using Gearman.Actors.Tests.Support;
using Microsoft.Data.Sqlite;
using static Gearman.Actors.Tests.Support.GearmanTestClient;

namespace Gearman.Actors.Tests.Integration;

/// <summary>A memory-only broker and a SQLite one, both with a small max-packet-size, for <see cref="FatalInputTests"/>.</summary>
public sealed class FatalInputBrokers : IAsyncLifetime
{
    public const int MaxPacketSize = 1024;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "gearman-fatal-" + Guid.NewGuid().ToString("N"));

    public CustomBroker Builtin { get; private set; } = null!;
    public CustomBroker Sqlite { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Builtin = await CustomBroker.StartAsync($"gearman.max-packet-size = {MaxPacketSize}");
        Sqlite = await CustomBroker.StartAsync(
            $"gearman {{ max-packet-size = {MaxPacketSize}, queue-type = sqlite, data-dir = \"{_dataDir.Replace("\\", "/")}\" }}");
    }

    public async Task DisposeAsync()
    {
        await Builtin.DisposeAsync();
        await Sqlite.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// A unit that ends the connection (bad magic, a packet over max-packet-size, an admin line over max-line-length)
/// sent in one write behind requests whose answers come later: every earlier request is answered, in order, then the
/// error comes, then the close. In durable mode a background submit's JOB_CREATED waits for its journal write, and
/// the error still waits behind it.
/// </summary>
public sealed class FatalInputTests : IClassFixture<FatalInputBrokers>
{
    private readonly FatalInputBrokers _brokers;

    public FatalInputTests(FatalInputBrokers brokers) => _brokers = brokers;

    public enum Bad { Magic, TooLarge, LongLine }

    public enum Before { ForegroundSubmit, BackgroundSubmit, AdminCommands, SubmitThenAdmin }

    public static IEnumerable<object[]> Cases() =>
        from mode in new[] { "builtin", "sqlite" }
        from before in Enum.GetValues<Before>()
        from bad in Enum.GetValues<Bad>()
        select new object[] { mode, before, bad };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Everything_before_a_fatal_unit_is_answered_then_the_error_then_the_close(string mode, Before before, Bad bad)
    {
        var broker = mode == "sqlite" ? _brokers.Sqlite : _brokers.Builtin;
        var f = BrokerFixture.NewName("fatal");
        var c = await broker.ConnectAsync();

        var bytes = new List<byte>();
        switch (before)
        {
            case Before.ForegroundSubmit:
                bytes.AddRange(Encode(Cmd.SubmitJob, f, "", "first"));
                bytes.AddRange(Encode(Cmd.SubmitJob, f, "", "second"));
                break;
            case Before.BackgroundSubmit:
                bytes.AddRange(Encode(Cmd.SubmitJobBg, f, "", "first"));
                bytes.AddRange(Encode(Cmd.SubmitJobBg, f, "", "second"));
                break;
            case Before.AdminCommands:
                bytes.AddRange(Latin1("status\nversion\n"));
                break;
            case Before.SubmitThenAdmin:
                bytes.AddRange(Encode(Cmd.SubmitJobBg, f, "", "first"));
                bytes.AddRange(Latin1("status\n"));
                break;
        }
        bytes.AddRange(bad switch
        {
            Bad.Magic => GearmanTestClient.Header(new byte[] { 0, (byte)'X', (byte)'Y', (byte)'Z' }, Cmd.EchoReq, 0),
            Bad.TooLarge => GearmanTestClient.Header(ReqMagic, Cmd.EchoReq, FatalInputBrokers.MaxPacketSize + 1),
            _ => Latin1(new string('x', 8191) + "\r\n"),
        });
        c.SendRaw(bytes.ToArray());

        switch (before)
        {
            case Before.ForegroundSubmit:
            case Before.BackgroundSubmit:
                var first = await c.ExpectAsync(Cmd.JobCreated);
                var second = await c.ExpectAsync(Cmd.JobCreated);
                Assert.NotEqual(first.Text(0), second.Text(0));
                break;
            case Before.AdminCommands:
                await ExpectStatusListingAsync(c, f, listed: false);
                Assert.StartsWith("OK ", await c.ReadRawLineAsync());
                break;
            case Before.SubmitThenAdmin:
                await c.ExpectAsync(Cmd.JobCreated);
                await ExpectStatusListingAsync(c, f, listed: true);
                break;
        }
        switch (bad)
        {
            case Bad.Magic:
                Assert.Equal("INVALID_MAGIC", (await c.ExpectAsync(Cmd.Error)).Text(0));
                break;
            case Bad.TooLarge:
                Assert.Equal("ARGUMENT_TOO_LARGE", (await c.ExpectAsync(Cmd.Error)).Text(0));
                break;
            default:
                Assert.StartsWith("ERR ", await c.ReadRawLineAsync());
                break;
        }
        await c.ExpectClosedAsync();
    }

    private static async Task ExpectStatusListingAsync(GearmanTestClient c, string function, bool listed)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await c.ReadLineAsync();
            if (line == ".") break;
            lines.Add(line);
        }
        Assert.Equal(listed, lines.Any(l => l.StartsWith(function + "\t")));
    }
}
