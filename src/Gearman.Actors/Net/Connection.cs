using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

/// <summary>
/// One TCP connection, client or worker or both. It owns the socket, the decoder and this connection's state, turns
/// packets into broker messages and broker messages into packets. Writes are coalesced: while one write is waiting
/// for its acknowledgement, everything else produced meanwhile is gathered into the next one.
/// </summary>
public sealed partial class Connection : UntypedActor, IWithTimers
{
    private sealed class WriteAck : Tcp.Event
    {
        public static readonly WriteAck Instance = new();
    }

    private readonly BrokerContext _ctx;
    private readonly IActorRef _socket;
    private readonly long _id;
    private readonly string _ip;
    /// <summary>The peer is in gearman.admin-allow: it may change the server through admin commands.</summary>
    private readonly bool _mayAdminister;
    private readonly FrameDecoder _decoder;
    private readonly OutputBuffer _output = new();
    private readonly ReplySlots _slots = new(sizeOf: PacketSize);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private long _inFlightBytes;
    private bool _writing;
    private bool _readingSuspended;
    private bool _closing;
    private bool _closeSent;
    /// <summary>Output passed gearman.output-limit: the socket is aborted and nothing more is encoded.</summary>
    private bool _overLimit;
    private bool _exceptions;
    private string _clientId = "-";
    /// <summary>Where the queues this connection talks to live; made on first use, as an idle connection sends nothing.</summary>
    private Links.QueueHomes? _homes;
    /// <summary>This connection's submits per function, for placement (<see cref="Links.Placement"/>); made on its first submit.</summary>
    private Links.SubmitTally? _submits;

    /// <summary>
    /// Foreground jobs this connection waits on: handle → function, and the actor that accepted the job (its queue,
    /// or the job itself when the submit joined a running job). That actor is watched: if it dies without finishing
    /// the job, as when its node is lost, the client gets WORK_FAIL instead of waiting forever.
    /// </summary>
    private readonly Dictionary<string, (string Function, IActorRef Owner)> _awaiting = new(StringComparer.Ordinal);

    public Connection(BrokerContext ctx, IActorRef socket, EndPoint remote)
    {
        _ctx = ctx;
        _socket = socket;
        _id = ctx.Connections.NextId();
        _ip = remote is IPEndPoint ip ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString() : remote.ToString() ?? "-";
        _mayAdminister = ctx.Settings.AdminAllow.Allows(remote);
        _decoder = new FrameDecoder(ctx.Settings.MaxPacketSize, ctx.Settings.MaxLineLength);
        _exceptions = ctx.Settings.Exceptions;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private Links.QueueHomes Homes => _homes ??= new Links.QueueHomes(Context.System, _ctx.Placement);

    public static Props Props(BrokerContext ctx, IActorRef socket, EndPoint remote) =>
        Akka.Actor.Props.Create(() => new Connection(ctx, socket, remote));

    protected override void PreStart()
    {
        Context.Watch(_socket);
        PublishInfo();
    }

    protected override void PostStop()
    {
        _ctx.Connections.Remove(_id);
        foreach (var (handle, (function, _)) in _awaiting) _ctx.ToQueue(new ListenerGone(function, handle, Self), Self, Homes);
        // Queues and running jobs watch this actor, so its registrations and held jobs are released by them.
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Tcp.Received r:
                OnBytes(r.Data);
                break;
            case WriteAck:
                _writing = false;
                _inFlightBytes = 0;
                _output.WriteAcknowledged();
                break;
            case ISlotReply reply:
                OnSlotReply(reply);
                break;
            case Persistence.ReplyBatch batch:
                foreach (var reply in batch.Replies) OnSlotReply(reply);
                break;
            case WorkEvent e:
                if (e.IsFinal) _awaiting.Remove(e.Handle);
                Emit(e);
                break;
            case Wake:
                OnWake();
                break;
            case Links.AssignmentStreaming m:
                _slots.Extend(m.Seq, CrossNode.Allowance(m.Bytes));
                break;
            case WorkAvailable m:
                OnWorkAvailable(m);
                break;
            case Sweep:
                OnSweep();
                break;
            case JobRevoked m:
                _held.Remove(m.Handle);
                // A result that crossed the revocation will not be made durable: the job went back to its queue.
                if (_awaitingAck.Remove(m.Handle, out var revokedSeq)) OnSlotReply(new Acknowledged(revokedSeq));
                break;
            case Tcp.CommandFailed { Cmd: Tcp.WriteCommand } failed:
                // Akka.IO 1.5 fails a write only when its TcpConnection is closing or past
                // akka.io.tcp.write-commands-queue-max-size (unbounded by default), and it never answers ResumeWriting
                // with WritingResumed. No write will be acknowledged again, so the write is not retried: its arrays stay
                // out of the output buffer's free list, and the connection ends.
                if (!_closing) _log.Info("connection={0} ip={1} write failed: {2}", _id, _ip, failed.CauseString);
                _socket.Tell(Tcp.Abort.Instance);
                return;
            case WorkerRegistered m:
                OnWorkerRegistered(m);
                return;
            case JobMoved m:
                if (_awaiting.TryGetValue(m.Handle, out var waiting))
                {
                    _awaiting[m.Handle] = (waiting.Function, Sender);
                    Context.Watch(Sender);
                }
                return;
            case Terminated t when !t.ActorRef.Equals(_socket):
                OnOwnerTerminated(t);
                break;
            case Tcp.ConnectionClosed:
            case Terminated:
                // Foreground jobs whose JOB_CREATED has not come back are not known here by handle yet: their
                // answers are awaited, so that PostStop can tell their queues nobody waits for them any more.
                _peerGone = true;
                if (!AwaitsForegroundSubmits()) Context.Stop(Self);
                return;
            default:
                Unhandled(message);
                return;
        }
        Flush();
    }

    private void OnBytes(ByteString data)
    {
        if (_closing) return;
        var span = data.ToReadOnlySpan();
        while (!_closing && _decoder.TryDecode(ref span, out var frame))
        {
            if (_heldBack.Count > 0 || (IsBarrier(frame) && !_slots.IsEmpty))
            {
                HoldBack(frame);
                continue;
            }
            Process(frame);
        }
    }

    private void Process(in Frame frame)
    {
        try
        {
            OnFrame(frame);
        }
        catch (Exception ex)
        {
            // A request that trips a bug ends this connection only, with a reason the peer can read.
            _log.Error(ex, "connection={0} ip={1} request={2} failed", _id, _ip, frame);
            CloseWith(new Outputs.Error("UNKNOWN_ERROR", "Internal server error"));
        }
    }

    /// <summary>
    /// Requests answered from node-wide state (GET_STATUS, GET_STATUS_UNIQUE, admin commands) must see the effect
    /// of every request this connection sent before them, as on gearmand, where one connection's requests run one
    /// after another. While earlier replies are outstanding, such a request and everything after it wait here.
    /// Submits and grabs, the hot path, never wait: they are ordered by their queues.
    /// </summary>
    private static bool IsBarrier(in Frame frame) =>
        frame.Kind == FrameKind.TextLine ||
        (frame.Kind == FrameKind.Packet && frame.Type is PacketType.GetStatus or PacketType.GetStatusUnique);

    private readonly Queue<Frame> _heldBack = new();

    private void HoldBack(in Frame frame)
    {
        _heldBack.Enqueue(frame);
        if (_heldBack.Count == 1) _socket.Tell(Tcp.SuspendReading.Instance);
    }

    /// <summary>Runs held-back requests once nothing is outstanding ahead of them.</summary>
    private void ReleaseHeldBack()
    {
        while (!_closing && _heldBack.TryPeek(out var next) && (_slots.IsEmpty || !IsBarrier(next)))
        {
            _heldBack.Dequeue();
            Process(next);
        }
        if (_heldBack.Count == 0 && !_readingSuspended) _socket.Tell(Tcp.ResumeReading.Instance);
    }

    private void OnFrame(in Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Packet:
                OnPacket(frame);
                break;
            case FrameKind.TextLine:
                OnAdminLine(frame.Line!);
                break;
            case FrameKind.UnknownCommand:
                // The size field is intact, so the stream stays framed and the connection can go on.
                Emit(new Outputs.Error(ErrorCode.InvalidCommand, "Invalid command expected"));
                break;
            case FrameKind.Fatal:
                _log.Info("connection={0} ip={1} closing: {2}", _id, _ip, frame.Fatal);
                CloseWith(frame.Fatal switch
                {
                    FatalReason.BadMagic => new Outputs.Error(ErrorCode.InvalidMagic, "Invalid magic"),
                    FatalReason.PacketTooLarge => new Outputs.Error(ErrorCode.ArgumentTooLarge, "Packet larger than the server accepts"),
                    _ => new Outputs.Text(AdminReplies.LineTooLong),
                });
                break;
        }
    }

    private void OnSlotReply(ISlotReply reply)
    {
        switch (reply)
        {
            case JobAccepted accepted when _slots.TryGetContext(accepted.Seq, out var ctx) && ctx is SubmitContext { Background: false } submit:
                _awaiting[accepted.Handle] = (submit.Function, Sender);
                Context.Watch(Sender);
                break;
            case Acknowledged ack:
                foreach (var (handle, seq) in _awaitingAck)
                {
                    if (seq != ack.Seq) continue;
                    _awaitingAck.Remove(handle);
                    break;
                }
                break;
            case JobAssigned late when !_slots.IsOpen(late.Seq):
                // The grab was already answered (it timed out): give the job back rather than sit on it.
                _ctx.Send(late.Job, new ReleaseJob(late.Handle));
                return;
            case JobAssigned assigned:
                _held[assigned.Handle] = (assigned.Job, assigned.Function, assigned.Durable);
                _grabs.Remove(assigned.Seq);
                break;
            case NoJob noJob when _grabs.ContainsKey(reply.Seq):
                OnGrabProgress(noJob);
                return;
            case NoJob noJob:
                _abilities.NoWork(noJob.Function);
                break;
        }
        if (_slots.Fill(reply.Seq, reply)) DrainSlots();
    }

    private sealed record SubmitContext(string Function, bool Background);

    /// <summary>
    /// A queue or job this connection depended on has stopped. Only the loss of its node fails the jobs waited on:
    /// a queue that stops on its own has either finished them or handed them to its next home.
    /// </summary>
    private void OnOwnerTerminated(Terminated t)
    {
        if (t.AddressTerminated)
        {
            foreach (var (handle, (_, by)) in _awaiting.ToList())
            {
                if (!by.Equals(t.ActorRef)) continue;
                _awaiting.Remove(handle);
                Emit(new WorkEvent(PacketType.WorkFail, handle, System.Buffers.ReadOnlySequence<byte>.Empty));
            }
        }
        OnQueueTerminated(t.ActorRef, t.AddressTerminated);
    }

    /// <summary>Writes output now, or queues it behind replies that are still outstanding.</summary>
    private void Emit(object output)
    {
        if (_overLimit) return;
        if (_slots.IsEmpty) Encode(output);
        else _slots.Enqueue(output);
    }

    private void DrainSlots()
    {
        while (_slots.TryTakeReady(out var output)) Encode(output);
        if (_slots.IsEmpty && _heldBack.Count > 0 && !_releasing)
        {
            _releasing = true;
            ReleaseHeldBack();
            _releasing = false;
        }
    }

    private bool _releasing;

    /// <summary>
    /// Ends the connection after <paramref name="lastWords"/>, which queue behind the replies still owed to earlier
    /// requests: the peer gets every answer it was owed, then the error, then the close (see <see cref="Flush"/>).
    /// </summary>
    private void CloseWith(object lastWords)
    {
        Emit(lastWords);
        _closing = true;
        // Requests held back behind the unit that ends the connection are never answered. Reading goes on, and what
        // arrives is dropped: bytes left unread in the socket would turn the close into a reset, which may destroy
        // the replies still on their way to the peer.
        _heldBack.Clear();
        _socket.Tell(Tcp.ResumeReading.Instance);
        Flush();
    }

    private bool _peerGone;

    private bool AwaitsForegroundSubmits() => _slots.AnyOpen(static c => c is SubmitContext { Background: false });

    private void Flush()
    {
        PublishInfoIfChanged();
        if (_peerGone)
        {
            if (!AwaitsForegroundSubmits()) Context.Stop(Self);
            return;
        }
        if (_overLimit) return;
        if (!_writing && !_output.IsEmpty)
        {
            _inFlightBytes = _output.Buffered;
            _socket.Tell(_output.Take(WriteAck.Instance));
            _writing = true;
        }
        if (OverOutputLimit(out var waiting))
        {
            CloseForOutputLimit(waiting);
            return;
        }
        if (_closing)
        {
            // Only once the replies owed before the last words, and the last words, have been written and acknowledged:
            // a Close sent earlier would end the socket before the replies still outstanding could be written.
            if (!_writing && _output.IsEmpty && _slots.IsEmpty && !_closeSent)
            {
                _closeSent = true;
                _socket.Tell(Tcp.Close.Instance);
            }
            return;
        }
        // A peer that does not read its replies only stops itself: its own input waits until it catches up.
        var pending = _output.Buffered + _inFlightBytes;
        if (!_readingSuspended && pending > _ctx.Settings.OutputHighWater)
        {
            _readingSuspended = true;
            _socket.Tell(Tcp.SuspendReading.Instance);
        }
        else if (_readingSuspended && pending <= _ctx.Settings.OutputHighWater / 2)
        {
            _readingSuspended = false;
            if (_heldBack.Count == 0) _socket.Tell(Tcp.ResumeReading.Instance);
        }
    }

    private void PublishInfo() =>
        _ctx.Connections.Update(new ConnectionInfo(_id, _ip, _clientId, _abilities.NewestFirst()));
}
