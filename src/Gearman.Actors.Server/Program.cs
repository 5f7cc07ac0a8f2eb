using System.CommandLine;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Gearman.Actors;
using Gearman.Actors.Hosting;
using Gearman.Actors.Server;

var options = new ServerOptions();
var root = options.BuildRoot();
root.SetAction(async (parse, cancel) =>
{
    var queueType = parse.GetValue(options.QueueType) ?? "builtin";
    if (!string.Equals(queueType, "builtin", StringComparison.OrdinalIgnoreCase))
    {
        Console.Error.WriteLine($"gearman-actors: unknown queue type \"{queueType}\" (available: builtin)");
        return 2;
    }

    var config = ConfigurationFactory.ParseString(options.ToHocon(parse));
    foreach (var file in parse.GetValue(options.Config) ?? Array.Empty<string>())
        config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(file)));
    config = config
        .WithFallback(ConfigurationFactory.ParseString("akka.loggers = [\"Gearman.Actors.Hosting.StructuredLogger, Gearman.Actors\"]"))
        .WithFallback(GearmanBroker.DefaultConfig);

    var pidFile = parse.GetValue(options.PidFile);
    if (pidFile is not null) await File.WriteAllTextAsync(pidFile, Environment.ProcessId + "\n", cancel);

    var system = ActorSystem.Create("gearman", config);
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
