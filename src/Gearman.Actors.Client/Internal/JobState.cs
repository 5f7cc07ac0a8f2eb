using System.Buffers;
using System.Threading.Channels;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client.Internal;

/// <summary>
/// One submitted job as its client sees it: first waiting for JOB_CREATED, then (foreground only) for events and
/// the end. Written by the connection's read loop; cancelled from any thread. Every completion is a Try* so that
/// whichever comes first (answer, cancellation, connection loss) wins and the rest are no-ops.
/// </summary>
internal sealed class JobState : PendingReply
{
    private readonly TaskCompletionSource<string> _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ReadOnlyMemory<byte>>? _result;
    private readonly IProgress<JobEvent>? _progress;
    private readonly Channel<JobEvent>? _events;
    private CancellationTokenRegistration _cancellation;
    private ClientSession? _session;

    public JobState(bool background, IProgress<JobEvent>? progress, bool streamEvents)
    {
        Background = background;
        if (background) return;
        _result = new TaskCompletionSource<ReadOnlyMemory<byte>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _progress = progress;
        if (streamEvents)
            _events = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public bool Background { get; }

    /// <summary>The server's handle, once JOB_CREATED has arrived.</summary>
    public string? Handle { get; private set; }

    /// <summary>Jobs of one connection that share a handle (coalesced by unique id) form a chain.</summary>
    public JobState? NextWithSameHandle { get; set; }

    public Task<string> Created => _created.Task;

    public Task<ReadOnlyMemory<byte>> Result => _result?.Task ?? throw new InvalidOperationException("a background job has no result");

    public ChannelReader<JobEvent>? Events => _events?.Reader;

    public bool IsFinished => _result is null ? _created.Task.IsCompleted : _result.Task.IsCompleted;

    public override PacketType Answer => PacketType.JobCreated;

    /// <summary>JOB_CREATED: a background job is done here; a foreground job starts listening for its handle.</summary>
    public override void Complete(in ReadOnlySequence<byte> body)
    {
        Handle = Replies.Handle(body);
        _created.TrySetResult(Handle);
        if (Background) _cancellation.Dispose();
    }

    public void Attach(ClientSession session) => _session = session;

    /// <summary>Cancels the wait (not the job: the protocol cannot withdraw a submitted job).</summary>
    public void WatchCancellation(CancellationToken cancel)
    {
        if (!cancel.CanBeCanceled) return;
        _cancellation = cancel.UnsafeRegister(static (s, token) => ((JobState)s!).Cancel(token), this);
        // The answer may have come before the registration: then nothing is left to cancel.
        if (IsFinished) _cancellation.Dispose();
    }

    public void OnEvent(in JobEvent e)
    {
        if (IsFinished) return;
        _progress?.Report(e);
        _events?.Writer.TryWrite(e);
    }

    public void OnComplete(ReadOnlyMemory<byte> result)
    {
        if (_result!.TrySetResult(result)) End();
    }

    public void OnFail(Exception error)
    {
        // A foreground caller awaits the result, not the handle: mark the handle's failure observed.
        if (_created.TrySetException(error) && _result is not null) _ = _created.Task.Exception;
        if (_result is null || _result.TrySetException(error)) End();
    }

    public override void Fail(Exception error) => OnFail(error);

    private void Cancel(CancellationToken token)
    {
        var created = _created.TrySetCanceled(token);
        if (_result is null) return;
        if (_result.TrySetCanceled(token) || created)
        {
            End();
            // Stop routing packets to a job nobody waits for; a handle not known yet is never tracked.
            if (Handle is not null) _session?.Forget(this);
        }
    }

    private void End()
    {
        _events?.Writer.TryComplete();
        _cancellation.Dispose();
    }
}
