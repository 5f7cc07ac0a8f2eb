using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Gearman.Actors.Hosting;

namespace Gearman.Actors.Tests.Support;

/// <summary>
/// One in-process broker on 127.0.0.1 and a free port, shared by every test of the <see cref="BrokerCollection"/>
/// (starting one costs about a second). Tests keep out of each other's way by using fresh function names
/// (<see cref="NewName"/>).
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private ActorSystem? _system;

    public GearmanBroker Broker { get; private set; } = null!;
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var config = ConfigurationFactory.ParseString("gearman.listen = \"127.0.0.1\", gearman.port = 0, akka.loglevel = WARNING")
            .WithFallback(GearmanBroker.DefaultConfig);
        _system = ActorSystem.Create("gearman-test", config);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Broker = await GearmanBroker.StartAsync(_system, BrokerSettings.FromConfig(_system.Settings.Config), cts.Token);
        var endpoint = (IPEndPoint)Broker.Endpoint!;
        Host = endpoint.Address.ToString();
        Port = endpoint.Port;
    }

    public async Task DisposeAsync()
    {
        if (_system is not null) await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task<GearmanTestClient> ConnectAsync(string name = "conn") => GearmanTestClient.ConnectAsync(Host, Port, name);

    /// <summary>A function name (or unique) no other test uses.</summary>
    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

/// <summary>Every TCP and real-client test class runs in this collection, against the one broker.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
