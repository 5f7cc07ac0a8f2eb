using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Gearman.Actors.Hosting;
using Gearman.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// The list a restarted node revives its queues from, read from a real SQLite store: a queue is found whether
/// what it left is in the journal or only in a snapshot (which SQLite keeps in a file of its own).
/// </summary>
public sealed class JournaledQueuesTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "gearman-revive-" + Guid.NewGuid().ToString("N"));
    private BrokerSettings _settings = null!;
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        var setup = GearmanBroker.CompleteSetup(ConfigurationFactory.ParseString(
            $"gearman {{ queue-type = sqlite, data-dir = \"{_dataDir.Replace("\\", "/")}\" }}\nakka.loglevel = WARNING"));
        _system = ActorSystem.Create("revive-test", setup);
        _settings = BrokerSettings.FromConfig(_system.Settings.Config);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_fresh_store_names_no_queue()
    {
        Assert.Empty(await JournaledQueues.ListAsync(_settings));
    }

    [Fact]
    public async Task Queues_with_events_and_queues_with_only_a_snapshot_are_both_named()
    {
        await Write(QueueRevival.PersistencePrefix + Uri.EscapeDataString("fn:journaled"), snapshotOnly: false);
        await Write(QueueRevival.PersistencePrefix + Uri.EscapeDataString("fn:snapshotted"), snapshotOnly: true);
        await Write("some-other-stream", snapshotOnly: false);

        var queues = await JournaledQueues.ListAsync(_settings);

        Assert.Equal(new[] { "fn:journaled", "fn:snapshotted" }, queues.Order());
    }

    private async Task Write(string persistenceId, bool snapshotOnly)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _system.ActorOf(Props.Create(() => new Writer(persistenceId, snapshotOnly, done)));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private sealed class Writer(string persistenceId, bool snapshotOnly, TaskCompletionSource done) : UntypedPersistentActor
    {
        public override string PersistenceId => persistenceId;

        protected override void OnRecover(object message)
        {
            if (message is not RecoveryCompleted) return;
            if (snapshotOnly) SaveSnapshot(new PendingJobsSnapshot([]));
            else Persist(new JobsWritten([], ["H:x:1"]), _ => done.TrySetResult());
        }

        protected override void OnCommand(object message)
        {
            switch (message)
            {
                case SaveSnapshotSuccess: done.TrySetResult(); break;
                case SaveSnapshotFailure f: done.TrySetException(f.Cause); break;
            }
        }
    }
}
