using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

// Connections: echo, losing the server, reconnecting, and server lists.
public abstract partial class ClientWorkerContract<TServer>
{
    [SkippableFact]
    public async Task Echo_returns_the_payload_untouched()
    {
        Server.RequireAvailable();
        var payload = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        var echoed = await NewClient().EchoAsync(payload).Within("ECHO_RES");
        Assert.Equal(payload, echoed.ToArray());
    }

    [SkippableFact]
    public async Task After_a_server_restart_in_flight_jobs_fail_clearly_and_client_and_worker_reconnect()
    {
        Server.RequireAvailable();
        var f = NewName("restart");
        var nobody = NewName("nobody");
        var worker = await StartReverserAsync(f);
        var client = NewClient();
        Assert.Equal("cba", Text(await client.SubmitAsync(f, Bytes("abc")).Within("the first result")));

        // A foreground job no worker takes is in flight when the server goes away.
        var inFlight = await client.StartJobAsync(nobody, Bytes("x")).Within("JOB_CREATED");
        await Server.StopAsync();
        var lost = await Assert.ThrowsAsync<GearmanConnectionLostException>(() => inFlight.Result.Within("the lost job"));
        Assert.Equal(ServerAddress.Parse(Server.Address), lost.Server);

        await Server.StartAsync();
        // The next call opens a new connection; the worker comes back by itself.
        Assert.Equal("fed", Text(await client.SubmitAsync(f, Bytes("def")).Within("a result after the restart")));
        Assert.Equal(1, worker.ConnectedServers);
    }

    [SkippableFact]
    public async Task Client_and_worker_use_the_second_server_of_their_list_when_the_first_is_down()
    {
        Server.RequireAvailable();
        var down = $"127.0.0.1:{ServerAdmin.FreePort()}";
        var f = NewName("failover");
        var worker = await StartReverserAsync(f, 1, down, Server.Address);
        Assert.Equal(1, worker.ConnectedServers);
        var client = NewClient(true, down, Server.Address);

        Assert.Equal("ih", Text(await client.SubmitAsync(f, Bytes("hi")).Within("the result via the second server")));
        Assert.Equal(ServerAddress.Parse(Server.Address), client.ConnectedServer);
    }

    [SkippableFact]
    public async Task A_client_whose_servers_are_all_down_says_so()
    {
        Server.RequireAvailable();
        var client = NewClient(true, $"127.0.0.1:{ServerAdmin.FreePort()}", $"127.0.0.1:{ServerAdmin.FreePort()}");
        var error = await Assert.ThrowsAsync<GearmanConnectException>(() => client.EchoAsync(Bytes("x")).Within("the connect failure"));
        Assert.Equal(2, error.Attempts.Count);
    }
}
