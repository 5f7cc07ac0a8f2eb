namespace Gearman.Actors.Client.Internal;

/// <summary>Exponential reconnect delays with jitter, so that many workers of a restarted server do not reconnect in step.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _first;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public Backoff(TimeSpan first, TimeSpan max)
    {
        _first = first <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : first;
        _max = max < _first ? _first : max;
        _next = _first;
    }

    public void Reset() => _next = _first;

    public TimeSpan Next()
    {
        var delay = _next * (0.75 + Random.Shared.NextDouble() / 2);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _max.Ticks));
        return delay;
    }
}
