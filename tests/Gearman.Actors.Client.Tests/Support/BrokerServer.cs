using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Gearman.Actors.Hosting;

namespace Gearman.Actors.Client.Tests.Support;

/// <summary>Our broker, in-process, on 127.0.0.1 and a port of its own, with the default in-memory store.</summary>
public sealed class BrokerServer : IGearmanServer, IAsyncLifetime
{
    private ActorSystem? _system;

    public string Name => "gearman-actors";
    public string Host => "127.0.0.1";
    public int Port { get; private set; }

    public void RequireAvailable() { }

    public Task InitializeAsync() => StartAsync();

    public async Task StartAsync()
    {
        var config = ConfigurationFactory.ParseString($"gearman.listen = \"127.0.0.1\", gearman.port = {Port}, akka.loglevel = WARNING")
            .WithFallback(GearmanBroker.DefaultConfig);
        _system = ActorSystem.Create("gearman-client-test", config);
        using var cts = new CancellationTokenSource(Waits.Long);
        var broker = await GearmanBroker.StartAsync(_system, BrokerSettings.FromConfig(_system.Settings.Config), cts.Token);
        Port = ((IPEndPoint)broker.Endpoint!).Port;
    }

    public async Task StopAsync()
    {
        if (_system is null) return;
        await _system.Terminate().WaitAsync(Waits.Long);
        _system = null;
    }

    public Task DisposeAsync() => StopAsync();
}
