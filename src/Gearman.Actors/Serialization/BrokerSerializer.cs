using Akka.Actor;
using Akka.Serialization;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Serialization;

/// <summary>
/// The compact binary format of every broker message that can cross nodes. Each type has a short manifest and a
/// hand-written layout (Latin-1 strings, length-prefixed payloads, actor paths), so no message ever falls back to
/// Akka's JSON serializer. Bound in config/gearman.conf under akka.actor.serialization-bindings.
/// </summary>
public sealed class BrokerSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 4730;

    /// <summary>The largest payload a message between nodes carries; see <see cref="CrossNode"/>.</summary>
    private readonly long _maxCrossNodePayload;

    public BrokerSerializer(ExtendedActorSystem system) : base(system) =>
        _maxCrossNodePayload = BrokerSettings.FromConfig(system.Settings.Config).MaxCrossNodePayload;

    /// <summary>What crossed nodes through this serializer, per message type; one per actor system, like the serializer.</summary>
    internal RemoteTraffic Traffic { get; } = new();

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        Submit => "S",
        RegisterWorker => "RW",
        UnregisterWorker => "UW",
        WorkerSleeping => "WS",
        Grab => "G",
        GetJobStatus => "GJS",
        GetUniqueStatus => "GUS",
        ListenerGone => "LG",
        GetQueueStats => "GQS",
        SetMaxQueue => "SMQ",
        CancelJob => "CJ",
        CreateFunction => "CF",
        DropFunction => "DF",
        JobAccepted => "JA",
        SubmitRejected => "SR",
        JobAssigned => "JAS",
        NoJob => "NJ",
        Acknowledged => "ACK",
        JobStatus => "JS",
        UniqueStatus => "US",
        Wake => "W",
        QueueStats => "QS",
        AdminText => "AT",
        WorkEvent => "WE",
        JobRevoked => "JR",
        ReleaseJob => "RJ",
        WorkerRegistered => "WR",
        WorkAvailable => "WA",
        RestoreJob => "RSJ",
        RestoreQueue => "RSQ",
        RestoreJobs => "RSJS",
        JobMoved => "JM",
        Persistence.JobStored => "PJS",
        Persistence.JobsRemoved => "PJR",
        Persistence.JobsWritten => "PJW",
        Persistence.PendingJobsSnapshot => "PSN",
        Locate => "L",
        Located => "LD",
        ListNode => "LN",
        NodeListing => "NL",
        Links.LinkBatch => "LB",
        Links.FenceProbe => "FP",
        Links.Fenced => "FE",
        Links.ShardCounts => "SW",
        Links.PayloadHead => "PH",
        Links.PayloadChunk => "PC",
        Links.LinkEndpointAsk => "LQ",
        Links.LinkEndpoint => "LP",
        _ => throw new ArgumentException($"{o.GetType()} is not a broker message", nameof(o)),
    };

    public override byte[] ToBinary(object o)
    {
        var w = new WireWriter(SizeOf(o));
        Write(w, o);
        var bytes = w.ToArray();
        var manifest = Manifest(o);
        if (o is not Links.LinkBatch) Traffic.Sent(manifest, bytes.Length);
        Traffic.SentEnvelope(manifest, bytes.Length);
        return bytes;
    }

    /// <summary>
    /// <paramref name="batch"/> as one frame of a node link connection (<see cref="Links.LinkSocket"/>): its length,
    /// then what <see cref="ToBinary"/> writes, in one buffer that goes to the socket as it is.
    /// </summary>
    internal ReadOnlyMemory<byte> ToFrame(Links.LinkBatch batch)
    {
        var w = new WireWriter(4 + SizeOf(batch));
        w.Int(0);
        Write(w, batch);
        w.IntAt(0, w.Length - 4);
        Traffic.SentEnvelope(Manifest(batch), w.Length - 4);
        return w.Written;
    }

    private void Write(WireWriter w, object o)
    {
        switch (o)
        {
            case Links.LinkBatch m:
                w.Int(m.Acks);
                w.Int(m.Items.Count);
                foreach (var item in m.Items)
                {
                    w.Bool(item.Target is not null);
                    if (item.Target is not null) w.Ref(item.Target);
                    w.OptionalRef(item.Sender);
                    var (manifest, length) = WriteNested(w, item.Message);
                    Traffic.Sent(manifest, length);
                }
                break;
            case Links.PayloadHead m: w.Long(m.Stream); w.Long(m.Length); WriteNested(w, m.Message); break;
            case Links.PayloadChunk m: w.Long(m.Stream); w.Bytes(m.Bytes); break;
            case Submit m:
                // The region routes a submit without saying where its queue lives, so only here is it known to cross:
                // a payload too large goes without its bytes, and the queue answers the client with the reason.
                var withheld = m.Data.Length > _maxCrossNodePayload ? m.Data.Length : m.WithheldBytes;
                w.String(m.Function); w.String(m.Unique); w.Bytes(withheld > 0 ? default : m.Data); w.Byte((byte)m.Priority);
                w.Bool(m.Background); w.Long(m.WhenEpoch); w.String(m.Reducer); w.Ref(m.Client); w.Long(m.Seq); w.Long(withheld);
                break;
            case RegisterWorker m: w.String(m.Function); w.Ref(m.Worker); w.Int(m.TimeoutMs); w.Bool(m.Announce); break;
            case UnregisterWorker m: w.String(m.Function); w.Ref(m.Worker); break;
            case WorkerSleeping m: w.String(m.Function); w.Ref(m.Worker); w.Long(m.AfterSeq); break;
            case Grab m: w.String(m.Function); w.Ref(m.Worker); w.Byte((byte)m.Kind); w.Byte((byte)m.Worst); w.Long(m.Seq); break;
            case GetJobStatus m: w.String(m.Function); w.String(m.Handle); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case GetUniqueStatus m: w.String(m.Function); w.String(m.Unique); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case ListenerGone m: w.String(m.Function); w.String(m.Handle); w.Ref(m.Client); break;
            case GetQueueStats m: w.String(m.Function); w.Ref(m.ReplyTo); w.Bool(m.WithJobs); break;
            case SetMaxQueue m: w.String(m.Function); w.Int(m.High); w.Int(m.Normal); w.Int(m.Low); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case CancelJob m: w.String(m.Function); w.String(m.Handle); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case CreateFunction m: w.String(m.Function); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case DropFunction m: w.String(m.Function); w.Ref(m.ReplyTo); w.Long(m.Seq); break;
            case JobAccepted m: w.Long(m.Seq); w.String(m.Handle); break;
            case SubmitRejected m: w.Long(m.Seq); w.String(m.Code); w.String(m.Text); break;
            case JobAssigned m:
                w.Long(m.Seq); w.Byte((byte)m.Kind); w.String(m.Handle); w.String(m.Function); w.String(m.Unique);
                w.String(m.Reducer); w.Bytes(m.Data); w.Ref(m.Job); w.Bool(m.Durable);
                break;
            case Acknowledged m: w.Long(m.Seq); break;
            case NoJob m: w.Long(m.Seq); w.String(m.Function); break;
            case JobStatus m:
                w.Long(m.Seq); w.String(m.Handle); w.Bool(m.Known); w.Bool(m.Running); w.String(m.Numerator); w.String(m.Denominator);
                break;
            case UniqueStatus m:
                w.Long(m.Seq); w.String(m.Unique); w.Bool(m.Known); w.Bool(m.Running); w.String(m.Numerator);
                w.String(m.Denominator); w.Int(m.Clients);
                break;
            case Wake: break;
            case QueueStats m:
                w.String(m.Function); w.Int(m.High); w.Int(m.Normal); w.Int(m.Low); w.Int(m.Running); w.Int(m.Workers);
                w.Int(m.Jobs.Count);
                foreach (var j in m.Jobs) { w.String(j.Handle); w.String(j.Unique); w.Int(j.Retries); w.Bool(j.Background); }
                break;
            case AdminText m: w.Long(m.Seq); w.String(m.Text); break;
            case WorkEvent m:
                w.Byte((byte)m.Type); w.String(m.Handle); w.Bytes(m.Data); w.String(m.Numerator); w.String(m.Denominator); w.Long(m.AckSeq);
                break;
            case JobRevoked m: w.String(m.Handle); break;
            case Links.FenceProbe m: w.String(m.Token); break;
            case Links.Fenced m: w.String(m.Token); break;
            case Links.LinkEndpointAsk: break;
            case Links.LinkEndpoint m: w.Int(m.Port); break;
            case Links.ShardCounts m: w.String(m.Shard); w.Int(m.Workers); w.Int(m.Submitters); break;
            case ReleaseJob m: w.String(m.Handle); break;
            case WorkerRegistered m: w.String(m.Function); w.Ref(m.Queue); break;
            case WorkAvailable m: w.String(m.Function); break;
            case RestoreJob m:
                w.String(m.Function); w.String(m.Handle); w.String(m.Unique); w.NullableString(m.UniqueKey); w.Bytes(m.Data);
                w.Byte((byte)m.Priority); w.Bool(m.Background); w.Long(m.WhenEpoch); w.String(m.Reducer);
                w.Int(m.Listeners.Count);
                foreach (var l in m.Listeners) w.Ref(l);
                w.Int(m.Retries);
                break;
            case RestoreQueue m: w.String(m.Function); w.Int(m.MaxHigh); w.Int(m.MaxNormal); w.Int(m.MaxLow); break;
            case RestoreJobs m:
                w.String(m.Function); w.Int(m.Jobs.Count);
                foreach (var job in m.Jobs) Write(w, job);
                break;
            case JobMoved m: w.String(m.Handle); break;
            case Persistence.JobStored m: WriteStored(w, m.Job); break;
            case Persistence.JobsRemoved m:
                w.Int(m.Handles.Count);
                foreach (var h in m.Handles) w.String(h);
                break;
            case Persistence.JobsWritten m:
                w.Int(m.Stored.Count);
                foreach (var j in m.Stored) WriteStored(w, j);
                w.Int(m.Removed.Count);
                foreach (var h in m.Removed) w.String(h);
                break;
            case Persistence.PendingJobsSnapshot m:
                w.Int(m.Jobs.Count);
                foreach (var j in m.Jobs) WriteStored(w, j);
                break;
            case Locate m: w.Byte((byte)m.Kind); w.String(m.Key); w.Long(m.Tag); break;
            case Located m: w.Long(m.Tag); w.NullableString(m.Function); break;
            case ListNode m: w.Long(m.Tag); break;
            case NodeListing m:
                w.Long(m.Tag);
                w.Int(m.Queues.Count);
                foreach (var q in m.Queues)
                {
                    w.String(q.Function); w.Ref(q.Queue); w.Int(q.High); w.Int(q.Normal); w.Int(q.Low); w.Int(q.Running);
                    w.Int(q.Workers); w.Int(q.Jobs);
                }
                w.Int(m.Connections.Count);
                foreach (var c in m.Connections)
                {
                    w.Long(c.Id); w.String(c.Ip); w.String(c.ClientId);
                    w.Int(c.Functions.Count);
                    foreach (var f in c.Functions) w.String(f);
                }
                break;
            default:
                throw new ArgumentException($"{o.GetType()} is not a broker message", nameof(o));
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != "LB") Traffic.Received(manifest, bytes.Length);
        Traffic.ReceivedEnvelope(manifest, bytes.Length);
        var r = new WireReader(bytes, system);
        return Read(ref r, bytes, manifest);
    }

    private object Read(ref WireReader r, byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case "LB":
            {
                var acks = r.Int();
                var items = new Links.LinkItem[r.Int()];
                for (var i = 0; i < items.Length; i++)
                {
                    var target = r.Bool() ? r.Ref() : null;
                    var sender = r.OptionalRef();
                    items[i] = new Links.LinkItem(target, sender, ReadNested(ref r, bytes, out var inner, out var length));
                    Traffic.Received(inner, length);
                }
                return new Links.LinkBatch(items, acks);
            }
            case "PH":
            {
                var (stream, length) = (r.Long(), r.Long());
                return new Links.PayloadHead(stream, length, ReadNested(ref r, bytes, out _, out _));
            }
            case "PC": return new Links.PayloadChunk(r.Long(), r.Bytes());
            case "S":
                return new Submit(r.String(), r.String(), r.Bytes(), (Priority)r.Byte(), r.Bool(), r.Long(), r.String(), r.Ref(), r.Long(), r.Long());
            case "RW": return new RegisterWorker(r.String(), r.Ref(), r.Int(), r.Bool());
            case "UW": return new UnregisterWorker(r.String(), r.Ref());
            case "WS": return new WorkerSleeping(r.String(), r.Ref(), r.Long());
            case "G": return new Grab(r.String(), r.Ref(), (GrabKind)r.Byte(), (Priority)r.Byte(), r.Long());
            case "GJS": return new GetJobStatus(r.String(), r.String(), r.Ref(), r.Long());
            case "GUS": return new GetUniqueStatus(r.String(), r.String(), r.Ref(), r.Long());
            case "LG": return new ListenerGone(r.String(), r.String(), r.Ref());
            case "GQS": return new GetQueueStats(r.String(), r.Ref(), r.Bool());
            case "SMQ": return new SetMaxQueue(r.String(), r.Int(), r.Int(), r.Int(), r.Ref(), r.Long());
            case "CJ": return new CancelJob(r.String(), r.String(), r.Ref(), r.Long());
            case "CF": return new CreateFunction(r.String(), r.Ref(), r.Long());
            case "DF": return new DropFunction(r.String(), r.Ref(), r.Long());
            case "JA": return new JobAccepted(r.Long(), r.String());
            case "SR": return new SubmitRejected(r.Long(), r.String(), r.String());
            case "JAS":
                return new JobAssigned(r.Long(), (GrabKind)r.Byte(), r.String(), r.String(), r.String(), r.String(), r.Bytes(), r.Ref(), r.Bool());
            case "ACK": return new Acknowledged(r.Long());
            case "NJ": return new NoJob(r.Long(), r.String());
            case "JS": return new JobStatus(r.Long(), r.String(), r.Bool(), r.Bool(), r.String(), r.String());
            case "US": return new UniqueStatus(r.Long(), r.String(), r.Bool(), r.Bool(), r.String(), r.String(), r.Int());
            case "W": return Wake.Instance;
            case "QS":
            {
                var function = r.String();
                var (high, normal, low, running, workers) = (r.Int(), r.Int(), r.Int(), r.Int(), r.Int());
                var jobs = new JobSummary[r.Int()];
                for (var i = 0; i < jobs.Length; i++) jobs[i] = new JobSummary(r.String(), r.String(), r.Int(), r.Bool());
                return new QueueStats(function, high, normal, low, running, workers, jobs);
            }
            case "AT": return new AdminText(r.Long(), r.String());
            case "WE": return new WorkEvent((PacketType)r.Byte(), r.String(), r.Bytes(), r.String(), r.String(), r.Long());
            case "JR": return new JobRevoked(r.String());
            case "FP": return new Links.FenceProbe(r.String());
            case "FE": return new Links.Fenced(r.String());
            case "SW": return new Links.ShardCounts(r.String(), r.Int(), r.Int());
            case "LQ": return Links.LinkEndpointAsk.Instance;
            case "LP": return new Links.LinkEndpoint(r.Int());
            case "RJ": return new ReleaseJob(r.String());
            case "WR": return new WorkerRegistered(r.String(), r.Ref());
            case "WA": return new WorkAvailable(r.String());
            case "RSJ": return ReadRestoreJob(ref r);
            case "RSQ": return new RestoreQueue(r.String(), r.Int(), r.Int(), r.Int());
            case "RSJS":
            {
                var function = r.String();
                var jobs = new RestoreJob[r.Int()];
                for (var i = 0; i < jobs.Length; i++) jobs[i] = ReadRestoreJob(ref r);
                return new RestoreJobs(function, jobs);
            }
            case "JM": return new JobMoved(r.String());
            case "PJS": return new Persistence.JobStored(ReadStored(ref r));
            case "PJR":
            {
                var handles = new string[r.Int()];
                for (var i = 0; i < handles.Length; i++) handles[i] = r.String();
                return new Persistence.JobsRemoved(handles);
            }
            case "PJW":
            {
                var stored = new Persistence.StoredJob[r.Int()];
                for (var i = 0; i < stored.Length; i++) stored[i] = ReadStored(ref r);
                var removed = new string[r.Int()];
                for (var i = 0; i < removed.Length; i++) removed[i] = r.String();
                return new Persistence.JobsWritten(stored, removed);
            }
            case "PSN":
            {
                var jobs = new Persistence.StoredJob[r.Int()];
                for (var i = 0; i < jobs.Length; i++) jobs[i] = ReadStored(ref r);
                return new Persistence.PendingJobsSnapshot(jobs);
            }
            case "L": return new Locate((LookupKind)r.Byte(), r.String(), r.Long());
            case "LD": return new Located(r.Long(), r.NullableString());
            case "LN": return new ListNode(r.Long());
            case "NL":
            {
                var tag = r.Long();
                var queues = new QueueEntry[r.Int()];
                for (var i = 0; i < queues.Length; i++) queues[i] = new QueueEntry(r.String(), r.Ref(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());
                var connections = new ConnectionInfo[r.Int()];
                for (var i = 0; i < connections.Length; i++)
                {
                    var (id, ip, clientId) = (r.Long(), r.String(), r.String());
                    var functions = new string[r.Int()];
                    for (var k = 0; k < functions.Length; k++) functions[k] = r.String();
                    connections[i] = new ConnectionInfo(id, ip, clientId, functions);
                }
                return new NodeListing(tag, queues, connections);
            }
            default:
                throw new System.Runtime.Serialization.SerializationException($"unknown broker manifest \"{manifest}\"");
        }
    }

    private static RestoreJob ReadRestoreJob(ref WireReader r)
    {
        var (function, handle, unique, key, data) = (r.String(), r.String(), r.String(), r.NullableString(), r.Bytes());
        var (priority, background, when, reducer) = ((Priority)r.Byte(), r.Bool(), r.Long(), r.String());
        var listeners = new IActorRef[r.Int()];
        for (var i = 0; i < listeners.Length; i++) listeners[i] = r.Ref();
        return new RestoreJob(function, handle, unique, key, data, priority, background, when, reducer, listeners, r.Int());
    }

    /// <summary>
    /// The exact size of the journal's events and snapshots, which carry whole batches of jobs (a snapshot of a long
    /// queue is megabytes): writing them into a buffer of that size skips the doublings and the final copy.
    /// </summary>
    private static int SizeOf(object o)
    {
        switch (o)
        {
            case Persistence.JobsWritten m:
            {
                var size = 8;
                foreach (var j in m.Stored) size += (int)Math.Min(StoredSize(j), int.MaxValue / 2);
                foreach (var h in m.Removed) size += WireWriter.StringSize(h);
                return size;
            }
            case Persistence.PendingJobsSnapshot m:
            {
                var size = 4;
                foreach (var j in m.Jobs) size += (int)Math.Min(StoredSize(j), int.MaxValue / 2);
                return size;
            }
            case RestoreJobs m:
                return (int)Math.Min(Links.NodeLink.SizeOf(m), 1 << 26);
            case Links.LinkBatch m:
            {
                long size = 8;
                foreach (var item in m.Items) size += Links.NodeLink.SizeOf(item.Message);
                return (int)Math.Min(size, 1 << 26);
            }
            default:
                return 128;
        }
    }

    /// <summary>Writes <paramref name="message"/> as its manifest and its length-prefixed body; returns both.</summary>
    private (string Manifest, int Length) WriteNested(WireWriter w, object message)
    {
        var manifest = Manifest(message);
        w.String(manifest);
        var start = w.BeginLength();
        Write(w, message);
        w.EndLength(start);
        return (manifest, w.Length - start);
    }

    /// <summary>Reads what <see cref="WriteNested"/> wrote.</summary>
    private object ReadNested(ref WireReader r, byte[] bytes, out string manifest, out int length)
    {
        manifest = r.String();
        length = r.Int();
        var nested = new WireReader(bytes, r.Position, length, system);
        var message = Read(ref nested, bytes, manifest);
        r.Skip(length);
        return message;
    }

    /// <summary>The bytes a stored job takes in a journal event: what a write's size is counted in.</summary>
    internal static long StoredSize(Persistence.StoredJob j) =>
        WireWriter.StringSize(j.Function) + WireWriter.StringSize(j.Handle) + WireWriter.StringSize(j.Unique) +
        WireWriter.NullableStringSize(j.UniqueKey) + 4 + j.Data.Length + 1 + 8 + WireWriter.StringSize(j.Reducer);

    private static void WriteStored(WireWriter w, Persistence.StoredJob j)
    {
        w.String(j.Function); w.String(j.Handle); w.String(j.Unique); w.NullableString(j.UniqueKey); w.Bytes(j.Data);
        w.Byte((byte)j.Priority); w.Long(j.WhenEpoch); w.String(j.Reducer);
    }

    private static Persistence.StoredJob ReadStored(ref WireReader r) =>
        new(r.String(), r.String(), r.String(), r.NullableString(), r.Bytes(), (Priority)r.Byte(), r.Long(), r.String());
}
