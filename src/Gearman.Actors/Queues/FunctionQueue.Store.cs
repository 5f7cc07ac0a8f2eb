using Akka.Actor;
using Akka.Event;
using Gearman.Actors.Persistence;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

// The queue's link to its store: starting it, and living through its loss.
public sealed partial class FunctionQueue
{
    private sealed class RestartStore
    {
        public static readonly RestartStore Instance = new();
    }

    private static readonly TimeSpan FirstStoreRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastStoreRetry = TimeSpan.FromSeconds(5);

    private int _storeIncarnation;
    /// <summary>Stores lost since a write was last confirmed: how long the next attempt waits.</summary>
    private int _storeFailures;

    private IActorRef StartStore()
    {
        var name = _storeIncarnation++ == 0 ? "store" : "store-" + _storeIncarnation;
        var store = Context.ActorOf(QueueStore.Props(QueueRevival.PersistencePrefix + Self.Path.Name, Self), name);
        Context.Watch(store);
        return _store = store;
    }

    /// <summary>Handles what concerns the store; false for every other message.</summary>
    private bool OnStoreMessage(object message)
    {
        switch (message)
        {
            case JobsDurable:
                // A lost store's late confirmation is ignored: its writes go again to the next store.
                if (!Sender.Equals(_store) || _writes!.StoreDown) return true;
                _storeFailures = 0;
                _writes.Written();
                if (_stopWhenWritten && _writes.Idle) Context.Stop(Self);
                return true;
            case WriteRefused refused:
                if (Sender.Equals(_store)) _writes!.Refused(refused.Reason);
                return true;
            case StoreRecovered recovered:
                if (Sender.Equals(_store)) OnStoreRecovered(recovered);
                return true;
            case Terminated t when t.ActorRef.Equals(_store):
                OnStoreLost();
                return true;
            case RestartStore:
                StartStore();
                return true;
            default:
                return false;
        }
    }

    private void OnStoreRecovered(StoreRecovered recovered)
    {
        // The failure count is reset by the first confirmed write, not here: a database that reads but cannot write
        // (a full disk) would otherwise have the queue retry at the shortest pause for ever.
        if (_storeFailures > 0)
            Context.GetLogger().Info("event=store-back queue={0} after-failures={1}", Self.Path.Name, _storeFailures);
        if (_ready)
        {
            // This queue kept its jobs while it had no store; they are newer than what the new store recovered.
            _writes!.StoreBack(_store!);
            return;
        }
        foreach (var stored in recovered.Jobs)
        {
            try
            {
                Adopt(FromStore(stored));
            }
            catch (Exception ex)
            {
                // One record the queue cannot take must not fail every recovery after it: it is skipped and named.
                Context.GetLogger().Error(ex, "event=recovered-job-skipped queue={0} handle={1}", Self.Path.Name, stored.Handle);
            }
        }
        _ready = true;
        _writes!.StoreBack(_store!);
        // A queue restarted with nothing pending and nothing asked of it has no reason to stay.
        if (!_exists && Stash.IsEmpty) StopSelf();
        Stash.UnstashAll();
    }

    /// <summary>
    /// The store stopped: its database failed a write or a recovery. The queue keeps its jobs and tries a new store
    /// after a growing pause, rather than restarting and recovering at once, which against a database that is down
    /// would spin and would drop the jobs workers are running.
    /// </summary>
    private void OnStoreLost()
    {
        _writes!.StoreLost();
        var delay = TimeSpan.FromTicks(Math.Min(LastStoreRetry.Ticks, FirstStoreRetry.Ticks << Math.Min(_storeFailures, 10)));
        _storeFailures++;
        Context.GetLogger().Warning("event=store-lost queue={0} failures={1} retry-in-ms={2}", Self.Path.Name, _storeFailures,
            (long)delay.TotalMilliseconds);
        Timers.StartSingleTimer("store", RestartStore.Instance, delay);
        // Submits and grabs that waited for the first recovery are answered now; the rest wait on.
        if (!_ready) Stash.UnstashAll();
    }

    /// <summary>
    /// The store refused this job for good (its submit has heard why): it leaves the queue, unless a worker runs it
    /// already, in which case it ends as it would have.
    /// </summary>
    private void DropRefused(string handle)
    {
        Context.GetLogger().Error("event=job-refused-by-store queue={0} handle={1}", Self.Path.Name, handle);
        if (!_jobs.TryGetValue(handle, out var job) || job.Runner is not null) return;
        _lanes.Remove(job);
        FailListeners(job);
        Forget(job);
    }

    /// <summary>
    /// Without a store no background job can be made durable, so none is taken: the client hears so at once instead
    /// of waiting out its request timeout. Before the queue has recovered, it cannot take any job or give one out.
    /// </summary>
    private bool RefusedWithoutStore(object message)
    {
        switch (message)
        {
            case Submit m when m.Background || !_ready:
                _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError, "Job store unavailable"));
                return true;
            case Grab m when !_ready:
                _ctx.Send(m.Worker, new NoJob(m.Seq, m.Function));
                return true;
            default:
                return false;
        }
    }
}
