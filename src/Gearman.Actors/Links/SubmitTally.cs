namespace Gearman.Actors.Links;

/// <summary>
/// Counts one connection's submits per function until the connection proves a steady submitter of it, so that a
/// function with no worker on any node can have its queue where its submits come from (<see cref="Placement"/>).
/// A one-off client (the gearman CLI, a script's single job) never reaches the count and never moves a queue.
/// Made on a connection's first submit: an idle or worker-only connection holds none.
/// </summary>
internal sealed class SubmitTally
{
    /// <summary>Submits from one connection before it counts: a move costs a hand-off, which only steady traffic repays.</summary>
    public const int Steady = 64;

    /// <summary>Functions counted per connection; what a client submits to beyond them does not follow it.</summary>
    private const int MaxFunctions = 64;

    private readonly Dictionary<string, int> _submits = new(StringComparer.Ordinal);

    /// <summary>Counts one submit to <paramref name="function"/>; true once per function, when the count reaches <see cref="Steady"/>.</summary>
    public bool Count(string function)
    {
        if (_submits.TryGetValue(function, out var n))
        {
            if (n >= Steady) return false;
            _submits[function] = ++n;
            return n == Steady;
        }
        if (_submits.Count < MaxFunctions) _submits[function] = 1;
        return false;
    }
}
