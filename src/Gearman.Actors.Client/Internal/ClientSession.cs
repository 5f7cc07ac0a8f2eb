using System.Buffers;
using System.Collections.Concurrent;
using Gearman.Actors.Protocol;
using Microsoft.Extensions.Logging;

namespace Gearman.Actors.Client.Internal;

/// <summary>
/// A client's use of one connection: sends requests, and matches what comes back. Direct answers are matched by
/// position (<see cref="PendingReply"/>); WORK_* packets are matched by job handle to the foreground jobs that
/// wait on it. When the connection closes, everything still waiting fails with
/// <see cref="GearmanConnectionLostException"/>.
/// </summary>
internal sealed class ClientSession : IFrameSink
{
    private readonly PacketConnection _connection;
    private readonly ILogger _log;
    private readonly Action<ClientSession> _onClosed;
    // Enqueued under the connection's write lock, so in wire order; dequeued only by the read loop.
    private readonly ConcurrentQueue<PendingReply> _replies = new();
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly object _jobsLock = new();
    private Exception? _closedBy;

    private ClientSession(PacketConnection connection, ILogger log, Action<ClientSession> onClosed)
    {
        _connection = connection;
        _log = log;
        _onClosed = onClosed;
    }

    public ServerAddress Server => _connection.Server;

    public bool IsClosed => _connection.IsClosed;

    public static ClientSession Start(PacketConnection connection, bool receiveExceptions, ILogger log, Action<ClientSession> onClosed)
    {
        var session = new ClientSession(connection, log, onClosed);
        connection.Start(session);
        if (receiveExceptions)
        {
            // Pipelined ahead of the first request; nobody waits for it, but its answer keeps the queue in step.
            var option = new ReplyWaiter<string>(PacketType.OptionRes, static (in ReadOnlySequence<byte> b) => Latin1.GetString(b));
            if (session.TrySend(option, PacketType.OptionReq, "exceptions"))
                option.WaitAsync(CancellationToken.None).ContinueWith(
                    static (t, s) => ((ILogger)s!).LogWarning(t.Exception!.GetBaseException(), "the server refused the exceptions option"),
                    log, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        return session;
    }

    public bool TrySubmit(JobState job, PacketType type, string function, string unique, ReadOnlySpan<byte> payload)
    {
        if (!_connection.TryBeginWrite(out var scope)) return false;
        using (scope)
        {
            Requests.Submit(scope.Buffer, type, function, unique, payload);
            job.Attach(this);
            _replies.Enqueue(job);
        }
        return true;
    }

    public bool TrySubmitEpoch(JobState job, string function, string unique, long epochSeconds, ReadOnlySpan<byte> payload)
    {
        if (!_connection.TryBeginWrite(out var scope)) return false;
        using (scope)
        {
            Requests.SubmitEpoch(scope.Buffer, function, unique, epochSeconds, payload);
            _replies.Enqueue(job);
        }
        return true;
    }

    public bool TrySend(PendingReply reply, PacketType type, string argument)
    {
        if (!_connection.TryBeginWrite(out var scope)) return false;
        using (scope)
        {
            Requests.Text(scope.Buffer, type, argument);
            _replies.Enqueue(reply);
        }
        return true;
    }

    public bool TrySend(PendingReply reply, PacketType type, ReadOnlySpan<byte> payload)
    {
        if (!_connection.TryBeginWrite(out var scope)) return false;
        using (scope)
        {
            Requests.WithPayload(scope.Buffer, type, payload);
            _replies.Enqueue(reply);
        }
        return true;
    }

    public void Close(Exception reason) => _connection.Close(reason);

    public void OnPacket(PacketType type, in ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case PacketType.JobCreated:
            {
                var job = (JobState)Next(type);
                job.Complete(body);
                if (!job.Background) Track(job);
                break;
            }
            case PacketType.WorkData or PacketType.WorkWarning:
            {
                var a = Replies.Split(type, body, 2);
                var data = Replies.Payload(a[1]);
                var e = type == PacketType.WorkData ? JobEvent.ForData(data) : JobEvent.ForWarning(data);
                for (var job = Find(Replies.Handle(a[0])); job is not null; job = job.NextWithSameHandle) job.OnEvent(e);
                break;
            }
            case PacketType.WorkStatus:
            {
                var a = Replies.Split(type, body, 3);
                var e = JobEvent.ForStatus(Replies.Number(a[1]), Replies.Number(a[2]));
                for (var job = Find(Replies.Handle(a[0])); job is not null; job = job.NextWithSameHandle) job.OnEvent(e);
                break;
            }
            case PacketType.WorkComplete:
            {
                var a = Replies.Split(type, body, 2);
                var result = Replies.Payload(a[1]);
                for (var job = Remove(Replies.Handle(a[0])); job is not null; job = job.NextWithSameHandle) job.OnComplete(result);
                break;
            }
            case PacketType.WorkFail:
            {
                var handle = Replies.Handle(body);
                for (var job = Remove(handle); job is not null; job = job.NextWithSameHandle) job.OnFail(new GearmanJobFailedException(handle));
                break;
            }
            case PacketType.WorkException:
            {
                var a = Replies.Split(type, body, 2);
                var handle = Replies.Handle(a[0]);
                var data = Replies.Payload(a[1]);
                for (var job = Remove(handle); job is not null; job = job.NextWithSameHandle) job.OnFail(new GearmanJobException(handle, data));
                break;
            }
            case PacketType.Error:
            {
                var a = Replies.Split(type, body, 2);
                var error = new GearmanServerException(Server, a.Text(0), a.Text(1));
                if (!_replies.TryDequeue(out var request))
                    throw new GearmanProtocolException($"{Server} sent ERROR {error.Code} ({error.Text}) with no request outstanding");
                request.Fail(error);
                break;
            }
            case PacketType.EchoRes or PacketType.StatusRes or PacketType.StatusResUnique or PacketType.OptionRes:
                Next(type).Complete(body);
                break;
            default:
                _log.LogDebug("ignoring {Type} from {Server}", type, Server);
                break;
        }
    }

    /// <summary>The oldest request, which this answer must be for.</summary>
    private PendingReply Next(PacketType answer)
    {
        if (!_replies.TryPeek(out var head))
            throw new GearmanProtocolException($"{Server} sent {answer} with no request outstanding");
        if (head.Answer != answer)
            throw new GearmanProtocolException($"{Server} sent {answer} where {head.Answer} was due");
        _replies.TryDequeue(out _);
        return head;
    }

    private void Track(JobState job)
    {
        lock (_jobsLock)
        {
            if (_closedBy is null)
            {
                if (_jobs.TryGetValue(job.Handle!, out var first)) job.NextWithSameHandle = first;
                _jobs[job.Handle!] = job;
                return;
            }
        }
        job.OnFail(new GearmanConnectionLostException(Server, _closedBy));
    }

    private JobState? Find(string handle)
    {
        lock (_jobsLock) return _jobs.GetValueOrDefault(handle);
    }

    private JobState? Remove(string handle)
    {
        lock (_jobsLock) return _jobs.Remove(handle, out var job) ? job : null;
    }

    /// <summary>
    /// Stops routing a cancelled job's packets to it. A chain of coalesced jobs is left as it is (the read loop may
    /// be walking it): a finished job ignores what still reaches it, and the chain goes with the job's end.
    /// </summary>
    public void Forget(JobState job)
    {
        lock (_jobsLock)
        {
            if (_jobs.TryGetValue(job.Handle!, out var first) && first == job && job.NextWithSameHandle is null)
                _jobs.Remove(job.Handle!);
        }
    }

    public void OnClosed(Exception reason)
    {
        List<JobState> jobs;
        lock (_jobsLock)
        {
            _closedBy = reason;
            jobs = _jobs.Values.ToList();
            _jobs.Clear();
        }
        var lost = new GearmanConnectionLostException(Server, reason);
        while (_replies.TryDequeue(out var request)) request.Fail(lost);
        foreach (var first in jobs)
            for (var job = first; job is not null; job = job.NextWithSameHandle) job.OnFail(lost);
        _log.LogDebug(reason, "connection to {Server} closed", Server);
        _onClosed(this);
    }
}
