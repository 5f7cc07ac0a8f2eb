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
