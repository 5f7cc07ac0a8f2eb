using System.Buffers;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client.Internal;

/// <summary>
/// A request that the server answers directly (JOB_CREATED, ECHO_RES, STATUS_RES, ...). Both gearmand and
/// Gearman.Actors answer a connection's requests in the order they were sent, so these wait in one queue per
/// connection and each answer (or ERROR) belongs to the oldest one.
/// </summary>
internal abstract class PendingReply
{
    /// <summary>The packet type that answers this request.</summary>
    public abstract PacketType Answer { get; }

    public abstract void Complete(in ReadOnlySequence<byte> body);

    public abstract void Fail(Exception error);
}

/// <summary>A request whose answer is parsed into a value and handed to an awaiting caller.</summary>
internal sealed class ReplyWaiter<T> : PendingReply
{
    private readonly PacketType _answer;
    private readonly Parser _parse;
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public delegate T Parser(in ReadOnlySequence<byte> body);

    public ReplyWaiter(PacketType answer, Parser parse)
    {
        _answer = answer;
        _parse = parse;
    }

    public override PacketType Answer => _answer;

    public override void Complete(in ReadOnlySequence<byte> body)
    {
        try { _result.TrySetResult(_parse(body)); }
        catch (Exception ex) { _result.TrySetException(ex); }
    }

    public override void Fail(Exception error) => _result.TrySetException(error);

    /// <summary>
    /// The answer. Cancelling stops the wait only: the request stays queued so that later answers still match.
    /// </summary>
    public Task<T> WaitAsync(CancellationToken cancel) => cancel.CanBeCanceled ? _result.Task.WaitAsync(cancel) : _result.Task;
}
