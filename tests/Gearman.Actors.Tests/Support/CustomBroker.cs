using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Gearman.Actors.Hosting;

namespace Gearman.Actors.Tests.Support;

/// <summary>
/// A broker of one test's own on 127.0.0.1 and a free port, for settings the shared <see cref="BrokerFixture"/>
/// cannot have. Disposing it closes its clients and stops it.
/// </summary>
public sealed class CustomBroker : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly List<GearmanTestClient> _clients = new();

    private CustomBroker(ActorSystem system, IPEndPoint endpoint)
    {
        _system = system;
        Endpoint = endpoint;
    }

    /// <summary>The broker's actor system, for a test that watches its event stream (its log, for instance).</summary>
    public ActorSystem System => _system;
    public IPEndPoint Endpoint { get; }
    public string Host => Endpoint.Address.ToString();
    public int Port => Endpoint.Port;

    /// <param name="hocon">Settings over the defaults, such as <c>gearman.max-jobs = 3</c> or a sqlite store.</param>
    public static async Task<CustomBroker> StartAsync(string hocon)
    {
        // CompleteSetup adds the journal when the settings name a durable queue type.
        var setup = GearmanBroker.CompleteSetup(ConfigurationFactory.ParseString(hocon)
            .WithFallback(ConfigurationFactory.ParseString("gearman.listen = \"127.0.0.1\", gearman.port = 0, akka.loglevel = WARNING")));
        var system = ActorSystem.Create("gearman-custom", setup);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var broker = await GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(system.Settings.Config), cts.Token);
            return new CustomBroker(system, (IPEndPoint)broker.Endpoint!);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    public async Task<GearmanTestClient> ConnectAsync(string name = "conn", int? receiveBuffer = null)
    {
        var client = await GearmanTestClient.ConnectAsync(Host, Port, name, receiveBuffer);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
