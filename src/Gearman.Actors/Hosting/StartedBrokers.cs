using Akka.Actor;

namespace Gearman.Actors.Hosting;

/// <summary>
/// Remembers the broker started in an ActorSystem, so that code that only has the system (dependency injection, an
/// Akka.Hosting startup task) can wait for it instead of racing the startup.
/// </summary>
internal sealed class StartedBrokers : IExtension
{
    private readonly TaskCompletionSource<GearmanBroker> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<GearmanBroker> Started => _started.Task;

    public void Announce(GearmanBroker broker)
    {
        if (!_started.TrySetResult(broker))
            throw new InvalidOperationException("a Gearman broker is already running in this ActorSystem");
    }

    public static StartedBrokers Get(ActorSystem system) => system.WithExtension<StartedBrokers, Provider>();

    private sealed class Provider : ExtensionIdProvider<StartedBrokers>
    {
        public override StartedBrokers CreateExtension(ExtendedActorSystem system) => new();
    }
}
