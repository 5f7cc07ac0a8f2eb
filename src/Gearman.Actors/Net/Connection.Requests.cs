using System.Buffers;
using System.Globalization;
using Akka.Actor;
using Gearman.Actors.Directory;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

// Binary requests from clients (submit, status, echo, options).
public sealed partial class Connection
{
    private const int MaxUniqueLength = 64;
    private const int MaxHandleLength = 64;

    private void OnPacket(in Frame frame)
    {
        if (frame.Magic != Magic.Request)
        {
            Emit(new Outputs.Error(ErrorCode.InvalidMagic, "Request magic expected"));
            return;
        }
        var type = frame.Type;
        var argCount = PacketTypes.RequestArgCount(type);
        if (argCount < 0)
        {
            Emit(new Outputs.Error(ErrorCode.InvalidCommand, "Command not expected"));
            return;
        }
        // A worker's result needs only its handle: the missing value is empty (see PacketArgs.TrySplitPadded).
        var required = type is PacketType.WorkData or PacketType.WorkWarning or PacketType.WorkComplete or PacketType.WorkException
            or PacketType.WorkStatus ? 1 : argCount;
        if (!PacketArgs.TrySplitPadded(frame.Body, argCount, required, out var args))
        {
            Emit(new Outputs.Error(ErrorCode.InvalidPacket, $"{type} takes {argCount} arguments"));
            return;
        }
        switch (type)
        {
            case PacketType.SubmitJob: OnSubmit(args, Priority.Normal, background: false); break;
            case PacketType.SubmitJobBg: OnSubmit(args, Priority.Normal, background: true); break;
            case PacketType.SubmitJobHigh: OnSubmit(args, Priority.High, background: false); break;
            case PacketType.SubmitJobHighBg: OnSubmit(args, Priority.High, background: true); break;
            case PacketType.SubmitJobLow: OnSubmit(args, Priority.Low, background: false); break;
            case PacketType.SubmitJobLowBg: OnSubmit(args, Priority.Low, background: true); break;
            case PacketType.SubmitJobEpoch: OnSubmitEpoch(args); break;
            case PacketType.SubmitReduceJob: OnSubmitReduce(args, background: false); break;
            case PacketType.SubmitReduceJobBackground: OnSubmitReduce(args, background: true); break;
            case PacketType.GetStatus: OnGetStatus(args.CText(0)); break;
            case PacketType.GetStatusUnique: OnGetStatusUnique(args.CText(0)); break;
            case PacketType.EchoReq: Emit(new Outputs.Echo(args[0])); break;
            case PacketType.OptionReq: OnOption(args.CText(0), args.Text(0)); break;
            case PacketType.SetClientId:
                _clientId = args.CText(0);
                PublishInfo();
                break;
            case PacketType.CanDo: OnCanDo(args.Text(0), 0); break;
            case PacketType.CanDoTimeout: OnCanDo(args.Text(0), ParseTimeout(args.Text(1))); break;
            case PacketType.CantDo: OnCantDo(args.Text(0)); break;
            case PacketType.ResetAbilities: OnResetAbilities(); break;
            case PacketType.PreSleep: OnPreSleep(); break;
            case PacketType.GrabJob: OnGrab(GrabKind.Plain); break;
            case PacketType.GrabJobUniq: OnGrab(GrabKind.Unique); break;
            case PacketType.GrabJobAll: OnGrab(GrabKind.All); break;
            case PacketType.WorkData:
            case PacketType.WorkWarning:
            case PacketType.WorkComplete:
            case PacketType.WorkException:
                OnWorkResult(type, args.Text(0), args[1], "", "");
                break;
            case PacketType.WorkFail:
                OnWorkResult(type, args.CText(0), ReadOnlySequence<byte>.Empty, "", "");
                break;
            case PacketType.WorkStatus:
                OnWorkResult(type, args.Text(0), ReadOnlySequence<byte>.Empty, args.Text(1), args.Text(2));
                break;
            default:
                // ALL_YOURS and anything else a server does not act on.
                Emit(new Outputs.Error(ErrorCode.InvalidCommand, "Command not expected"));
                break;
        }
    }

    private void OnSubmit(in PacketArgs args, Priority priority, bool background) =>
        Submit(args.Text(0), args[1], args[2], priority, background, whenEpoch: 0, reducer: "");

    private void OnSubmitEpoch(in PacketArgs args)
    {
        // SUBMIT_JOB_EPOCH is a normal-priority background job (gearmand server.cc).
        // Read as gearmand's strtoll reads it: "abc" or "" is 0 (due at once), "1700000000.5" is 1700000000.
        if (!CNumbers.TryParseEpoch(args.Text(2), out var when))
        {
            Emit(new Outputs.Error(ErrorCode.InvalidPacket, "Epoch is not a number"));
            return;
        }
        Submit(args.Text(0), args[1], args[3], Priority.Normal, background: true, Math.Max(when, 0), reducer: "");
    }

    private void OnSubmitReduce(in PacketArgs args, bool background) =>
        // FUNC\0UNIQ\0REDUCER\0AGGREGATOR(unused)\0DATA, as libgearman sends it.
        Submit(args.Text(0), args[1], args[4], Priority.Normal, background, whenEpoch: 0, reducer: args.Text(2));

    private void Submit(string function, in ReadOnlySequence<byte> unique, in ReadOnlySequence<byte> data, Priority priority,
        bool background, long whenEpoch, string reducer)
    {
        if (unique.Length > MaxUniqueLength)
        {
            Emit(new Outputs.Error(ErrorCode.ArgumentTooLarge, "Unique value too large"));
            return;
        }
        var seq = Reserve(static s => new SubmitRejected(s, ErrorCode.QueueError, "No answer from the job's queue in time; the job may not exist"),
            new SubmitContext(function, background), _ctx.Settings.RequestTimeout + CrossNode.Allowance(data.Length));
        _ctx.ToQueue(new Submit(function, Latin1.GetString(unique), data, priority, background, whenEpoch, reducer, Self, seq), Self, Homes);
        if (!_ctx.Placer.IsNobody() && (_submits ??= new Links.SubmitTally()).Count(function)) _ctx.Placer.Tell(new Links.ClientSubmits(function));
    }

    private void OnGetStatus(string handle)
    {
        if (handle.Length >= MaxHandleLength)
        {
            Emit(JobStatus.Unknown(0, handle));
            return;
        }
        var (seq, self) = (Reserve(s => JobStatus.Unknown(s, handle)), Self);
        RouteByKey(LookupKind.Handle, handle, f => new GetJobStatus(f, handle, self, seq), JobStatus.Unknown(seq, handle));
    }

    private void OnGetStatusUnique(string unique)
    {
        var (seq, self) = (Reserve(s => UniqueStatus.Unknown(s, unique)), Self);
        RouteByKey(LookupKind.Unique, unique, f => new GetUniqueStatus(f, unique, self, seq), UniqueStatus.Unknown(seq, unique));
    }

    /// <summary>
    /// Sends a command to the queue that owns a handle or unique. The command may be built inside another actor,
    /// so it must capture this connection's ref in a local, never read <c>Self</c>. This node's directory answers at once; a key it
    /// does not know is looked up on the other nodes, if there are any. <paramref name="notFound"/> fills the slot
    /// when no node knows the key.
    /// </summary>
    private void RouteByKey(LookupKind kind, string key, Func<string, IQueueCommand> command, ISlotReply notFound)
    {
        var known = kind == LookupKind.Handle
            ? _ctx.Directory.TryGetFunctionOfHandle(key, out var function)
            : _ctx.Directory.TryGetFunctionOfUnique(key, out function);
        if (known) _ctx.ToQueue(command(function), Self, Homes);
        else if (Akka.Cluster.Cluster.Get(Context.System).State.Members.Count > 1)
            Context.ActorOf(ClusterLookup.Props(_ctx, kind, key, command, Self, notFound));
        else OnSlotReply(notFound);
    }

    /// <summary>gearmand compares the option up to a NUL and ignoring case, and echoes it as it was sent.</summary>
    private void OnOption(string name, string asSent)
    {
        if (name.Equals("exceptions", StringComparison.OrdinalIgnoreCase))
        {
            _exceptions = true;
            Emit(new Outputs.OptionAccepted(asSent));
        }
        else
        {
            Emit(new Outputs.Error(ErrorCode.UnknownOption, "Server does not recognize given option"));
        }
    }

    /// <summary>CAN_DO_TIMEOUT's value is decimal milliseconds (gearmand reads it so, whatever PROTOCOL says).</summary>
    private static int ParseTimeout(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 0;

    private void OnWorkResult(PacketType type, string handle, in ReadOnlySequence<byte> data, string numerator, string denominator)
    {
        if (!_held.TryGetValue(handle, out var held))
        {
            var text = type is PacketType.WorkData or PacketType.WorkWarning
                ? "Job does not exist on server"
                : type == PacketType.WorkException
                    ? "An exception was received for a job that does not exist"
                    : "Job given in work result not found";
            Emit(new Outputs.Error(ErrorCode.JobNotFound, text));
            return;
        }
        var final = type is PacketType.WorkComplete or PacketType.WorkFail or PacketType.WorkException;
        // A stored job's end must be durable before this worker hears anything more from the server.
        var ackSeq = final && held.Durable ? Reserve(static s => new Acknowledged(s)) : 0;
        if (ackSeq != 0) _awaitingAck[handle] = ackSeq;
        if (final) _held.Remove(handle);
        var work = new WorkEvent(type, handle, data, numerator, denominator, ackSeq);
        _ctx.Send(held.Job, CrossNode.Fits(held.Job, data.Length, _ctx.Settings) ? work : CrossNode.Withheld(work, _ctx.Settings));
    }
}
