using System.CommandLine;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Gearman.Actors;
using Gearman.Actors.Hosting;
using Gearman.Actors.Server;

var options = new ServerOptions();
var root = options.BuildRoot();
root.SetAction(async (parse, cancel) =>
{
    var config = ConfigurationFactory.ParseString(options.ToHocon(parse));
    foreach (var file in parse.GetValue(options.Config) ?? Array.Empty<string>())
        config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(file)));
    var userConfig = config;
    config = config
        .WithFallback(ConfigurationFactory.ParseString("akka.loggers = [\"Gearman.Actors.Hosting.StructuredLogger, Gearman.Actors\"]"))
        .WithFallback(GearmanBroker.DefaultConfig);
    // A lone node keeps background jobs in an embedded SQLite file unless told otherwise. A cluster member has no
    // default store: SQLite is local to one node, and the shared one (-q postgres) must be chosen explicitly.
    var clustered = config.GetStringList("akka.cluster.seed-nodes").Count > 0;
    if (!userConfig.HasPath("gearman.queue-type"))
        config = ConfigurationFactory.ParseString($"gearman.queue-type = {(clustered ? "builtin" : "sqlite")}").WithFallback(config);
    ActorSystemSetup setup;
    try
    {
        var settings = BrokerSettings.FromConfig(config);
        if (settings.QueueType == "sqlite" && clustered)
            throw new ArgumentException("a sqlite job store is local to one node; a cluster needs -q postgres (or -q builtin)");
        setup = GearmanBroker.CompleteSetup(config);
        config = setup.Get<BootstrapSetup>().Value.Config.Value;
    }
    catch (Exception ex) when (ex is ArgumentException or IOException or Microsoft.Data.Sqlite.SqliteException)
    {
        Console.Error.WriteLine($"gearman-actors: {ex.Message}");
        return 2;
    }

    var pidFile = parse.GetValue(options.PidFile);
    if (pidFile is not null) await File.WriteAllTextAsync(pidFile, Environment.ProcessId + "\n", cancel);

    var system = ActorSystem.Create("gearman", setup);
    void Shutdown() => _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; Shutdown(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; Shutdown(); });

    try
    {
        var broker = await GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(config), cancel);
        system.Log.Info("event=started endpoint={0} version={1}", broker.Endpoint, broker.Context.Settings.Version);
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"gearman-actors: {ex.Message}");
        await system.Terminate();
        return 1;
    }
    await system.WhenTerminated;
    if (pidFile is not null) File.Delete(pidFile);
    return 0;
});
return await root.Parse(args).InvokeAsync();
