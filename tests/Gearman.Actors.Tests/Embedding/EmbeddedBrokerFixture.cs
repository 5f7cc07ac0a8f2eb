using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Gearman.Actors.Hosting;
using Gearman.Actors.InProcess;
using Gearman.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gearman.Actors.Tests.Embedding;

/// <summary>
/// An application host (Microsoft.Extensions.Hosting + Akka.Hosting) with the broker embedded in its ActorSystem,
/// listening on 127.0.0.1 and a free port, shared by the tests of the <see cref="EmbeddedCollection"/>.
/// </summary>
public sealed class EmbeddedBrokerFixture : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public IHost Host { get; private set; } = null!;
    public IGearmanBroker Gearman { get; private set; } = null!;
    public GearmanBroker Broker { get; private set; } = null!;
    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync(new GearmanBrokerOptions { ListenHost = "127.0.0.1", Port = 0 });
        Gearman = Host.Services.GetRequiredService<IGearmanBroker>();
        Broker = await GearmanBroker.WhenStarted(Host.Services.GetRequiredService<ActorSystem>()).WaitAsync(Patience);
        Port = ((IPEndPoint)Broker.Endpoint!).Port;
    }

    /// <summary>Builds and starts a host whose ActorSystem runs the broker with <paramref name="options"/>.</summary>
    public static async Task<IHost> StartHostAsync(GearmanBrokerOptions options)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddAkka("gearman-embedded", akka => akka
            .AddHocon(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), HoconAddMode.Prepend)
            .WithGearmanBroker(options));
        builder.Services.AddGearmanBrokerApi();
        var host = builder.Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(cts.Token);
        return host;
    }

    public async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(cts.Token);
        Host.Dispose();
    }

    public Task<GearmanTestClient> ConnectAsync(string name = "conn") => GearmanTestClient.ConnectAsync("127.0.0.1", Port, name);
}

[CollectionDefinition(Name)]
public sealed class EmbeddedCollection : ICollectionFixture<EmbeddedBrokerFixture>
{
    public const string Name = "embedded broker";
}
