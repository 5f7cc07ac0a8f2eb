using Akka.Actor;
using Akka.Hosting;
using Gearman.Actors.Hosting;
using Gearman.Actors.InProcess;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gearman.Actors.Tests.Embedding;

/// <summary>What WithGearmanBroker puts into an application's ActorSystem, and a broker with no TCP listener.</summary>
public sealed class HostingConfigTests
{
    [Fact]
    public void Options_become_gearman_hocon_over_the_defaults_and_a_durable_store_becomes_the_default_journal()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "gearman-config-" + Guid.NewGuid().ToString("N"));
        try
        {
            var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "config-test");
            builder.WithGearmanBroker(new GearmanBrokerOptions { Port = 4731, NodeName = "node-x", QueueType = GearmanQueueType.Sqlite, DataDir = dataDir });

            var config = builder.Configuration.Value;
            var settings = BrokerSettings.FromConfig(config);
            Assert.Equal((4731, "node-x", "H:node-x", "sqlite"), (settings.Port, settings.NodeName, settings.HandlePrefix, settings.QueueType));
            Assert.Equal(128, settings.Backlog); // from config/gearman.conf
            Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
            Assert.EndsWith("gearman.db", config.GetString("akka.persistence.journal.sql.connection-string"));
            Assert.Contains(builder.Setups, s => s is Akka.Persistence.Sql.Config.MultiDataOptionsSetup);
            Assert.IsType<ProviderSelection.Cluster>(builder.ActorRefProvider.Value);
        }
        finally
        {
            try { System.IO.Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void A_builtin_broker_leaves_the_default_journal_to_the_application()
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "config-test");
        builder.WithGearmanBroker(new GearmanBrokerOptions());

        var config = builder.Configuration.Value;
        Assert.Equal("builtin", BrokerSettings.FromConfig(config).QueueType);
        Assert.NotEqual("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin", ""));
    }

    [Fact]
    public async Task A_broker_without_a_listener_serves_in_process_clients_and_workers()
    {
        using var host = await EmbeddedBrokerFixture.StartHostAsync(new GearmanBrokerOptions { Listen = false });
        try
        {
            var broker = await GearmanBroker.WhenStarted(host.Services.GetRequiredService<ActorSystem>())
                .WaitAsync(EmbeddedBrokerFixture.Patience);
            Assert.Null(broker.Listener);
            Assert.Null(broker.Endpoint);

            var gearman = host.Services.GetRequiredService<IGearmanBroker>();
            await using var worker = gearman.RegisterWorker("upper", (job, _) =>
                ValueTask.FromResult(System.Text.Encoding.ASCII.GetBytes(System.Text.Encoding.ASCII.GetString(job.Payload.Span).ToUpperInvariant())));
            var result = await gearman.SubmitAsync("upper", "quiet"u8.ToArray()).WaitAsync(EmbeddedBrokerFixture.Patience);

            Assert.Equal("QUIET", System.Text.Encoding.ASCII.GetString(result));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
