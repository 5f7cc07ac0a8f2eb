namespace Gearman.Actors.Hosting;

/// <summary>How <see cref="GearmanBroker.StartAsync(Akka.Actor.ActorSystem, BrokerSettings, BrokerStartup, CancellationToken)"/> fits the broker into its ActorSystem.</summary>
public sealed record BrokerStartup
{
    public static readonly BrokerStartup Default = new();

    /// <summary>Bind the Gearman TCP port. Off for an application that only uses the in-process API.</summary>
    public bool Listen { get; init; } = true;

    /// <summary>
    /// Join the node to itself when <c>akka.cluster.seed-nodes</c> is empty, making a one-node cluster. Turn it off when
    /// something else joins the cluster (Akka.Management's cluster bootstrap, or the application calling Cluster.Join).
    /// </summary>
    public bool JoinSelfWithoutSeedNodes { get; init; } = true;
}
