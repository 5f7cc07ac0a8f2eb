using Gearman.Actors.Client;

namespace Gearman.Actors.Client.Tests.Support;

/// <summary>
/// An <see cref="IProgress{T}"/> that records synchronously, on the thread that reports (unlike
/// <see cref="Progress{T}"/>, which posts and may reorder), and completes <see cref="Reached"/> at a count.
/// </summary>
public sealed class RecordingProgress : IProgress<JobEvent>
{
    private readonly List<JobEvent> _events = new();
    private readonly int _expected;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordingProgress(int expected) => _expected = expected;

    public Task Reached => _reached.Task;

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_events) return _events.ToList(); }
    }

    public void Report(JobEvent value)
    {
        lock (_events)
        {
            _events.Add(value);
            if (_events.Count >= _expected) _reached.TrySetResult();
        }
    }
}
