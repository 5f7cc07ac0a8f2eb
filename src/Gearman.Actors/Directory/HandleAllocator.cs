namespace Gearman.Actors.Directory;

/// <summary>Job handles in gearmand's shape, "&lt;prefix&gt;:&lt;counter&gt;", unique on this node.</summary>
public sealed class HandleAllocator
{
    public const int MaxHandleLength = 63;
    private readonly string _prefix;
    private long _counter;

    /// <param name="firstCounter">
    /// Where counting starts. With durable jobs it is seeded from the clock, so a node that restarts under the same
    /// name never hands out a handle that a recovered job still holds.
    /// </param>
    public HandleAllocator(string prefix, long firstCounter = 0)
    {
        _counter = firstCounter;
        // Leave room for ":" and a 20-digit counter inside the protocol's 64-byte handle (NUL included).
        _prefix = prefix.Length > MaxHandleLength - 21 ? prefix[..(MaxHandleLength - 21)] : prefix;
    }

    public string Next() => string.Concat(_prefix, ":", Interlocked.Increment(ref _counter).ToString());
}
