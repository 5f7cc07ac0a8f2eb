using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Event;
using Gearman.Actors.Protocol;
using Gearman.Actors.Tests.Support;
using Gearman.Actors.Testing;

namespace Gearman.Actors.Tests.Integration;

/// <summary>
/// gearman.allow and gearman.admin-allow over real TCP. Every peer here is 127.0.0.1, so a list without it stands
/// for "some other network" and a list with it for "this one".
/// </summary>
public sealed class AccessControlTests
{
    [Fact]
    public async Task A_peer_outside_the_allow_list_is_closed_without_a_byte_and_one_inside_is_served()
    {
        await using var elsewhere = await CustomBroker.StartAsync("gearman.allow = [\"192.0.2.0/24\", \"fd00::/8\"]");
        var refused = await elsewhere.ConnectAsync("refused");
        refused.Send(Cmd.EchoReq, "ping");
        await refused.ExpectClosedAsync();

        await using var here = await CustomBroker.StartAsync("gearman.allow = [\"192.0.2.0/24\", \"127.0.0.0/8\"]");
        var served = await here.ConnectAsync("served");
        served.Send(Cmd.EchoReq, "ping");
        Assert.Equal("ping", (await served.ExpectAsync(Cmd.EchoRes)).Text(0));
    }

    [Fact]
    public async Task Refused_connections_are_logged_once_per_address_per_interval_with_the_count_of_the_rest()
    {
        const int perAddress = 50;
        var interval = TimeSpan.FromSeconds(2);
        // Six source addresses (all of 127.0.0.0/8 is loopback) for a table of four: two share the ip=* line.
        var sources = Enumerable.Range(1, 6).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToArray();
        var total = sources.Length * perAddress;
        await using var broker = await CustomBroker.StartAsync(
            $"gearman.allow = [\"192.0.2.0/24\"], gearman.refused-log-interval = {interval.TotalSeconds}s, gearman.refused-log-addresses = 4");
        var lines = new List<string>();
        var accounted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = broker.System.ActorOf(Props.Create(() => new RefusalWatcher(lines, total, accounted)));
        broker.System.EventStream.Subscribe(watcher, typeof(Warning));

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(sources.Select(async source =>
        {
            for (var i = 0; i < perAddress; i++) await ExpectRefusedAsync(source, broker.Endpoint);
        }));
        // The last counts come with the next flush, within one and a half intervals.
        await accounted.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var elapsed = clock.Elapsed;

        List<string> seen;
        lock (lines) seen = lines.ToList();
        var report = $"{seen.Count} lines for {total} refusals in {elapsed.TotalSeconds:0.0} s:\n" + string.Join("\n", seen);
        var parsed = seen.Select(l => RefusalLine.Match(l)).ToList();
        Assert.True(parsed.All(m => m.Success), report);
        Assert.Equal(total, seen.Sum(Accounts));
        Assert.Contains(parsed, m => long.Parse(m.Groups[2].Value) > 0);
        Assert.Contains(parsed, m => m.Groups[1].Value == "*");
        // Lines for one address are at least an interval apart.
        var mostPerAddress = (int)(elapsed / interval) + 1;
        foreach (var group in parsed.GroupBy(m => m.Groups[1].Value))
            Assert.True(group.Count() <= mostPerAddress, $"ip={group.Key}: {group.Count()} lines, more than {mostPerAddress}\n{report}");
    }

    private static readonly Regex RefusalLine = new(@"^event=connection-refused ip=(\S+) reason=not-in-allow-list suppressed=(\d+)$");

    /// <summary>
    /// How many refusals a line stands for: the first line for an address is one refusal (suppressed=0), a later one
    /// the refusals it reports. A line without a count stands for itself.
    /// </summary>
    private static long Accounts(string line) =>
        Regex.Match(line, @"suppressed=(\d+)") is { Success: true } m && long.Parse(m.Groups[1].Value) > 0 ? long.Parse(m.Groups[1].Value) : 1;

    /// <summary>Collects the connection-refused lines and completes once they account for every refusal.</summary>
    private sealed class RefusalWatcher : ReceiveActor
    {
        public RefusalWatcher(List<string> lines, long total, TaskCompletionSource accounted)
        {
            long sum = 0;
            Receive<Warning>(w =>
            {
                var text = w.Message.ToString() ?? "";
                if (!text.StartsWith("event=connection-refused ", StringComparison.Ordinal)) return;
                lock (lines) lines.Add(text);
                if ((sum += Accounts(text)) >= total) accounted.TrySetResult();
            });
        }
    }

    /// <summary>Connects from <paramref name="source"/> and waits for the server to close the connection unanswered.</summary>
    private static async Task ExpectRefusedAsync(IPAddress source, IPEndPoint server)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(server, cts.Token);
        var buffer = new byte[16];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.Equal(0, n);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // closed as well
        }
    }

    [Fact]
    public async Task Outside_admin_allow_the_commands_that_change_the_server_are_refused_and_change_nothing()
    {
        await using var at = await CustomBroker.StartAsync("gearman.admin-allow = [\"192.0.2.0/24\"]");
        var f = BrokerFixture.NewName("acl");
        var client = await at.ConnectAsync("client");
        var handle = await client.SubmitAsync(Cmd.SubmitJobBg, f, "", "x");
        var admin = await at.ConnectAsync("admin");

        Assert.Equal(AdminReplies.PermissionDenied, await admin.AdminAsync($"cancel job {handle}"));
        Assert.Equal(AdminReplies.PermissionDenied, await admin.AdminAsync($"drop function {f}"));
        Assert.Equal(AdminReplies.PermissionDenied, await admin.AdminAsync($"maxqueue {f} 1"));
        Assert.Equal(AdminReplies.PermissionDenied, await admin.AdminAsync("create function acl-new"));

        // Listings and the other read-only commands stay open, and show that nothing changed.
        Assert.Contains($"{f}\t1\t0\t0", await admin.AdminListAsync("status"));
        Assert.DoesNotContain(await admin.AdminListAsync("status"), l => l.StartsWith("acl-new\t", StringComparison.Ordinal));
        Assert.Contains(await admin.AdminListAsync("show jobs"), l => l.StartsWith(handle + "\t", StringComparison.Ordinal));
        Assert.StartsWith("OK ", await admin.AdminAsync("version"));
        // maxqueue 1 was refused: a second job still goes in.
        await client.SubmitAsync(Cmd.SubmitJobBg, f, "", "y");
    }

    [Fact]
    public async Task Inside_admin_allow_the_same_commands_work()
    {
        await using var at = await CustomBroker.StartAsync("gearman.admin-allow = [\"192.0.2.0/24\", \"127.0.0.1\"]");
        var f = BrokerFixture.NewName("acl");
        var admin = await at.ConnectAsync("admin");
        Assert.Equal(AdminReplies.Ok, await admin.AdminAsync($"create function {f}"));
        Assert.Contains($"{f}\t0\t0\t0", await admin.AdminListAsync("status"));
        Assert.Equal(AdminReplies.Ok, await admin.AdminAsync($"drop function {f}"));
    }

    [RealClientFact(RealTools.Gearadmin)]
    public async Task Gearadmin_shows_the_refusal()
    {
        RealTools.Require(RealTools.Gearadmin);
        await using var at = await CustomBroker.StartAsync("gearman.admin-allow = [\"192.0.2.0/24\"]");
        var f = BrokerFixture.NewName("acl");

        var drop = await ToolProcess.RunAsync(RealTools.Gearadmin, ["-h", at.Host, "-p", at.Port.ToString(), "--drop-function", f]);
        Assert.Contains("PERMISSION_DENIED", drop.Stdout + drop.Stderr);
        var status = await ToolProcess.RunAsync(RealTools.Gearadmin, ["-h", at.Host, "-p", at.Port.ToString(), "--status"]);
        Assert.Equal(".", status.Succeeded().Stdout.Trim().Split('\n')[^1]);
    }
}
