namespace Gearman.Actors.Directory;

/// <summary>Job handles in gearmand's shape, "&lt;prefix&gt;:&lt;counter&gt;", unique on this node.</summary>
public sealed class HandleAllocator
{
    public const int MaxHandleLength = 63;
    private readonly string _prefix;
    private long _counter;

    public HandleAllocator(string prefix)
    {
        // Leave room for ":" and a 20-digit counter inside the protocol's 64-byte handle (NUL included).
        _prefix = prefix.Length > MaxHandleLength - 21 ? prefix[..(MaxHandleLength - 21)] : prefix;
    }

    public string Next() => string.Concat(_prefix, ":", Interlocked.Increment(ref _counter).ToString());
}
