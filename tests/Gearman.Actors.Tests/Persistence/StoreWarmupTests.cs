using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Gearman.Actors.Hosting;
using Gearman.Actors.Persistence;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// The store warm-up that runs before a durable node listens: it finishes, and it cleans up after itself on every
/// start, so restarts never pile up events or snapshots in the store.
/// </summary>
public sealed class StoreWarmupTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly BrokerSettings Sqlite = new() { QueueType = "sqlite" };

    public StoreWarmupTests() : base(ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.local"
        akka.persistence.snapshot-store.local.dir = "{{Path.Combine(Path.GetTempPath(), "gearman-warmup-" + Guid.NewGuid().ToString("N")).Replace("\\", "/")}}"
        akka.actor.provider = local
        """).WithFallback(GearmanBroker.DefaultConfig))
    {
    }

    [Fact]
    public async Task Each_start_finishes_and_leaves_no_event_or_snapshot_behind()
    {
        for (var start = 1; start <= 2; start++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var warmup = Sys.ActorOf(StoreWarmup.Props(Sqlite, ((ExtendedActorSystem)Sys).Provider.DefaultAddress, done));
            Watch(warmup);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ExpectTerminated(warmup);
        }

        Sys.ActorOf(Props.Create(() => new StreamReader(StoreWarmup.PersistencePrefix + "local", TestActor)));
        var recovered = ExpectMsg<StreamReader.Recovered>();
        Assert.Equal(0, recovered.Events);
        Assert.False(recovered.HadSnapshot);
        // The second start went on from the first one's sequence number: it recovered the stream before writing.
        Assert.Equal(2, recovered.LastSequenceNr);
    }

    private sealed class StreamReader(string persistenceId, IActorRef report) : UntypedPersistentActor
    {
        public sealed record Recovered(int Events, bool HadSnapshot, long LastSequenceNr);

        private int _events;
        private bool _snapshot;

        public override string PersistenceId => persistenceId;

        protected override void OnRecover(object message)
        {
            switch (message)
            {
                case SnapshotOffer: _snapshot = true; break;
                case RecoveryCompleted: report.Tell(new Recovered(_events, _snapshot, LastSequenceNr)); break;
                default: _events++; break;
            }
        }

        protected override void OnCommand(object message) { }
    }
}
