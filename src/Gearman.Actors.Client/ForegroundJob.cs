using System.Runtime.CompilerServices;
using Gearman.Actors.Client.Internal;

namespace Gearman.Actors.Client;

/// <summary>
/// A foreground job that has been accepted by the server (JOB_CREATED), from
/// <see cref="GearmanClient.StartJobAsync"/>: read its WORK_DATA, WORK_WARNING and WORK_STATUS packets as they come,
/// and await its result.
/// </summary>
public sealed class ForegroundJob
{
    private readonly JobState _state;

    internal ForegroundJob(JobState state) => _state = state;

    /// <summary>The server's job handle, for <see cref="GearmanClient.GetStatusAsync"/>.</summary>
    public string Handle => _state.Handle!;

    /// <summary>
    /// The job's result (WORK_COMPLETE). Throws <see cref="GearmanJobFailedException"/> on WORK_FAIL,
    /// <see cref="GearmanJobException"/> on WORK_EXCEPTION, <see cref="GearmanConnectionLostException"/> if the
    /// connection closes first, and <see cref="OperationCanceledException"/> when the submit's token is cancelled.
    /// </summary>
    public Task<ReadOnlyMemory<byte>> Result => _state.Result;

    /// <summary>
    /// The job's events in the order the worker sent them; ends when the job ends (however it ends). May be read
    /// once. Events that arrive before it is read are kept.
    /// </summary>
    public async IAsyncEnumerable<JobEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _state.Events!;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            while (reader.TryRead(out var e))
                yield return e;
    }
}
