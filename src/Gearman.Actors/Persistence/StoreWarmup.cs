using System.Buffers;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Lives one queue store's life once, before the node takes connections: recovery, a write, a snapshot and the
/// deletes that follow, under a persistence id of its own. The SQL journal compiles each query shape on first use
/// and the runtime compiles the code behind it; left to the first submit, that made it wait about a second. Each
/// start leaves at most the one row the journal keeps for a stream's highest sequence number.
/// </summary>
public sealed class StoreWarmup : UntypedPersistentActor
{
    public const string PersistencePrefix = "gearman-store-warmup-";

    private static readonly StoredJob Sample = new("warmup", "H:warmup:0", "", null,
        new ReadOnlySequence<byte>(new byte[64]), Priority.Normal, 0, "");

    private readonly string _persistenceId;
    private readonly TaskCompletionSource _done;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _snapshotsDeleted, _messagesDeleted;

    public StoreWarmup(string persistenceId, TaskCompletionSource done)
    {
        _persistenceId = persistenceId;
        _done = done;
    }

    public override string PersistenceId => _persistenceId;

    /// <summary>
    /// The warm-up for a node: <paramref name="done"/> completes when it has finished, well or not. A SQLite file
    /// has one node, whose stream keeps one name across restarts (its cluster port may change); nodes that share
    /// a PostgreSQL store each write a stream named after their address, which a cluster keeps fixed.
    /// </summary>
    public static Props Props(BrokerSettings settings, Address node, TaskCompletionSource done)
    {
        var id = PersistencePrefix + (settings.QueueType == "postgres" ? Uri.EscapeDataString(node.HostPort()) : "local");
        return Akka.Actor.Props.Create(() => new StoreWarmup(id, done));
    }

    protected override void OnRecover(object message)
    {
        if (message is RecoveryCompleted)
            PersistAsync(new JobsWritten([Sample], []), _ => SaveSnapshot(new PendingJobsSnapshot([Sample])));
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess s:
                DeleteMessages(s.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr));
                break;
            case DeleteMessagesSuccess:
                _messagesDeleted = true;
                FinishWhenClean();
                break;
            case DeleteSnapshotsSuccess:
                _snapshotsDeleted = true;
                FinishWhenClean();
                break;
            case SaveSnapshotFailure f: Fail(f.Cause); break;
            case DeleteMessagesFailure f: Fail(f.Cause); break;
            case DeleteSnapshotsFailure f: Fail(f.Cause); break;
        }
    }

    private void FinishWhenClean()
    {
        if (!_messagesDeleted || !_snapshotsDeleted) return;
        _done.TrySetResult();
        Context.Stop(Self);
    }

    // The warm-up only saves time: a store that fails here fails again, and is reported, on the first real write.
    private void Fail(Exception cause)
    {
        _log.Warning("event=store-warmup-failed persistence-id={0} cause={1}", _persistenceId, cause.Message);
        _done.TrySetResult();
        Context.Stop(Self);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Fail(reason);
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Fail(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void PostStop() => _done.TrySetResult();
}
