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
    if (parse.GetValue(options.Ssl))
    {
        Console.Error.WriteLine("gearman-actors: --ssl: TLS is not supported yet; refusing to serve in clear text what was meant to be encrypted");
        return 2;
    }
    // The process that was started says what it ignores; a daemon's own copy stays quiet.
    if (!Daemon.IsChild)
        foreach (var warning in options.Warnings(parse)) Console.Error.WriteLine($"gearman-actors: warning: {warning}");
    if (parse.GetValue(options.Daemon) && !Daemon.IsChild) return await Daemon.DetachAsync(args);
    if (Daemon.IsChild) Posix.NewSession();
    string hocon;
    try
    {
        hocon = options.ToHocon(parse);
        if (parse.GetValue(options.FileDescriptors) is { } files) Posix.SetOpenFileLimit(files);
        // Before anything is created, so that the store's files belong to that user; gearmand's ports need no root.
        if (parse.GetValue(options.User) is { } user) Posix.SwitchUser(user);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"gearman-actors: {ex.Message}");
        return 2;
    }
    var config = ConfigurationFactory.ParseString(hocon);
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

    ActorSystem system;
    try
    {
        system = ActorSystem.Create("gearman", setup);
    }
    catch (Exception ex) when (RemotingFailure(ex) is { } remoting)
    {
        // Remoting binds the cluster port while the system is created, and its failure comes out wrapped in layers of
        // AggregateException with a trace of some 70 lines; the operator needs the port and the cause, as for a busy
        // Gearman port. (akka.remote.dot-netty.tcp.hostname is the address bound; empty means every address.)
        var tcp = config.GetConfig("akka.remote.dot-netty.tcp");
        var host = tcp.GetString("hostname", "") is { Length: > 0 } h ? h : "0.0.0.0";
        Console.Error.WriteLine($"gearman-actors: cannot listen for cluster traffic on {host}:{tcp.GetInt("port")}: " +
                                (remoting.InnerException ?? remoting).Message);
        return 1;
    }

    var pidFile = parse.GetValue(options.PidFile);
    if (pidFile is not null) await File.WriteAllTextAsync(pidFile, Environment.ProcessId + "\n", cancel);

    void Shutdown() => _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; Shutdown(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; Shutdown(); });

    try
    {
        var broker = await GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(config), cancel);
        var started = broker.Context.Settings;
        system.Log.Info("event=started endpoint={0} version={1} queue_type={2} node_link={3}", broker.Endpoint, started.Version,
            started.QueueType, started.NodeLink ? "on" : "off");
        Daemon.Ready();
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"gearman-actors: {ex.Message}");
        await system.Terminate();
        if (pidFile is not null) File.Delete(pidFile);
        return 1;
    }
    await system.WhenTerminated;
    if (pidFile is not null) File.Delete(pidFile);
    return 0;
});
return await root.Parse(args).InvokeAsync();

static Akka.Remote.RemoteTransportException? RemotingFailure(Exception ex) => ex switch
{
    Akka.Remote.RemoteTransportException remoting => remoting,
    AggregateException many => many.Flatten().InnerExceptions.Select(RemotingFailure).FirstOrDefault(r => r is not null),
    _ => ex.InnerException is { } inner ? RemotingFailure(inner) : null,
};
