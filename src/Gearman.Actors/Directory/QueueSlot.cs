namespace Gearman.Actors.Directory;

/// <summary>
/// Where one live queue publishes its counters for listings: the queue replaces <see cref="Entry"/> with a new
/// immutable <see cref="QueueEntry"/> after each message that changed them, and before an answer that tells a client
/// of the change (JOB_CREATED, JOB_ASSIGN, an admin OK); listings read whatever is there. A listing thus reads every queue of a node from <see cref="JobDirectory"/> without a message per queue
/// (with 50,000 functions, asking each queue cost most of a second). Only the queue writes its slot; what crosses
/// from the queue to a reader is an immutable value, as with <see cref="ConnectionRegistry"/>.
/// </summary>
internal sealed class QueueSlot
{
    private QueueEntry _entry;

    public QueueSlot(QueueEntry entry) => _entry = entry;

    public string Function => _entry.Function;

    public QueueEntry Entry
    {
        get => Volatile.Read(ref _entry);
        set => Volatile.Write(ref _entry, value);
    }
}
