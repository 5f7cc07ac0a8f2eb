using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Gearman.Actors.InProcess;
using Microsoft.Extensions.DependencyInjection;

namespace Gearman.Actors.Hosting;

/// <summary>Starts the Gearman broker inside an Akka.Hosting application's ActorSystem.</summary>
public static class GearmanBrokerHostingExtensions
{
    /// <summary>
    /// Adds the broker's HOCON (config/gearman.conf, under the application's own), makes the ActorSystem a cluster
    /// node, and starts the broker when the ActorSystem starts, through the same routine as the standalone server:
    /// it joins the node to itself when no seed nodes are configured, starts the sharded queues, the in-process
    /// gateway and, unless <see cref="GearmanBrokerOptions.Listen"/> is false, the TCP listener. The gateway is
    /// registered in the <see cref="ActorRegistry"/> under <see cref="InProcessGateway"/>.
    /// </summary>
    /// <remarks>
    /// With <see cref="GearmanQueueType.Sqlite"/> or <see cref="GearmanQueueType.Postgres"/> the broker's SQL store
    /// becomes the ActorSystem's default journal and snapshot store, which the application's own persistent actors
    /// then share unless they name other plugins.
    /// </remarks>
    public static AkkaConfigurationBuilder WithGearmanBroker(this AkkaConfigurationBuilder builder, GearmanBrokerOptions options)
    {
        var explicitSettings = options.ToHocon();
        // Options are explicit code and win; the defaults and the store's plugins are fallbacks under everything else,
        // except the default journal of a durable broker, which must be the broker's (its queues use the default).
        builder.AddHocon(explicitSettings, HoconAddMode.Prepend);
        var complete = GearmanBroker.CompleteConfig(explicitSettings);
        builder.AddHocon(complete, HoconAddMode.Append);
        if (complete.GetString("gearman.queue-type", "builtin") != "builtin")
            builder.AddHocon(DurableDefaults, HoconAddMode.Prepend);
        if (Persistence.StoreConfig.DataOptionsSetup(complete) is { } store) builder.AddSetup(store);
        builder.WithActorRefProvider(ProviderSelection.Cluster.Instance);
        builder.WithActors(async (system, registry) =>
        {
            var broker = await GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(system.Settings.Config), options.Startup);
            registry.Register<InProcessGateway>(broker.Gateway);
        });
        return builder;
    }

    private static readonly Config DurableDefaults = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
        """);

    /// <inheritdoc cref="WithGearmanBroker(AkkaConfigurationBuilder, GearmanBrokerOptions)"/>
    public static AkkaConfigurationBuilder WithGearmanBroker(this AkkaConfigurationBuilder builder, Func<GearmanBrokerOptions, GearmanBrokerOptions> configure) =>
        builder.WithGearmanBroker(configure(new GearmanBrokerOptions()));

    /// <summary>
    /// Registers <see cref="IGearmanBroker"/>, the in-process API of the broker that
    /// <see cref="WithGearmanBroker(AkkaConfigurationBuilder, GearmanBrokerOptions)"/> starts. Calls made while the
    /// broker is still starting wait for it.
    /// </summary>
    public static IServiceCollection AddGearmanBrokerApi(this IServiceCollection services) =>
        services.AddSingleton<IGearmanBroker>(provider =>
            new GearmanInProcessBroker(provider.GetRequiredService<ActorRegistry>().GetAsync<InProcessGateway>()));

    /// <summary>The in-process API of the broker running in this ActorSystem, once the broker has started.</summary>
    public static async Task<IGearmanBroker> GetGearmanBrokerAsync(this ActorRegistry registry, CancellationToken cancellationToken = default) =>
        new GearmanInProcessBroker(await registry.GetAsync<InProcessGateway>(cancellationToken).ConfigureAwait(false));
}
