using System.Buffers;
using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Hosting;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;
using Gearman.Actors.Serialization;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>Every message that can cross nodes must use the binary serializer and survive a round trip.</summary>
public sealed class SerializerCoverageTests : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>Messages that never leave their node: parent/child traffic and actors' own timers.</summary>
    private static readonly HashSet<string> NodeLocal = new()
    {
        nameof(JobEnded), nameof(JobReturned), nameof(RunJob), nameof(GiveBackJob), nameof(RemoveListener), nameof(CancelRunning), nameof(HandOff),
        // Values inside messages, written by their message's layout.
        nameof(JobSummary), nameof(QueueEntry), nameof(ConnectionInfo),
    };

    public SerializerCoverageTests() : base(GearmanBroker.DefaultConfig.WithFallback(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.port = 0")))
    {
    }

    private static IEnumerable<Type> MessageTypes() =>
        typeof(GearmanBroker).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace is { } ns &&
                        (ns.EndsWith(".Queues") || ns.EndsWith(".Jobs") || ns.EndsWith(".Admin") || ns.EndsWith(".Directory")))
            .Where(t => !typeof(ActorBase).IsAssignableFrom(t) && !t.IsNested && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .Where(t => t.GetMethod("<Clone>$") is not null || t.GetField("Instance", BindingFlags.Public | BindingFlags.Static) is not null)
            .Where(t => !NodeLocal.Contains(t.Name));

    [Fact]
    public void Every_cross_node_message_type_is_bound_to_the_binary_serializer()
    {
        var types = MessageTypes().ToList();
        Assert.True(types.Count > 30, $"only {types.Count} message types found; the scan is broken");
        var unbound = types.Where(t => Sys.Serialization.FindSerializerForType(t) is not BrokerSerializer).Select(t => t.Name).ToList();
        Assert.True(unbound.Count == 0, "not bound to the binary serializer: " + string.Join(", ", unbound));
    }

    [Fact]
    public void Messages_round_trip_through_the_binary_serializer()
    {
        var probe = CreateTestProbe().Ref;
        var data = new ReadOnlySequence<byte>(new byte[] { 0, 1, 2, 255, 0 });
        object[] samples =
        {
            new Submit("f\u00e9", "u", data, Priority.Low, true, 1234567890, "red", probe, 42),
            new RegisterWorker("f", probe, 1500), new RegisterWorker("f", probe, 0, Announce: true), new WorkAvailable("f"), new UnregisterWorker("f", probe), new WorkerSleeping("f", probe),
            new Grab("f", probe, GrabKind.All, Priority.Normal, 7),
            new GetJobStatus("f", "H:x:1", probe, 9), new GetUniqueStatus("f", "u", probe, 10), new ListenerGone("f", "H:x:1", probe),
            new GetQueueStats("f", probe, true), new SetMaxQueue("f", 1, 2, 3, probe, 16), new CancelJob("f", "H:x:1", probe, 11),
            new CreateFunction("f", probe, 12), new DropFunction("f", probe, 13),
            new JobAccepted(14, "H:x:2"), new SubmitRejected(15, "QUEUE_ERROR", "Job queue is full"),
            new JobAssigned(16, GrabKind.Unique, "H:x:3", "f", "u", "r", data, probe), new NoJob(17, "f"),
            new JobStatus(20, "H:x:4", true, false, "3", "7"), new UniqueStatus(21, "u", true, true, "1", "2", 3),
            new QueueStats("f", 1, 2, 3, 4, 5, new[] { new JobSummary("H:x:5", "u", 2, true) }), new AdminText(22, "OK\r\n"),
            new WorkEvent(PacketType.WorkStatus, "H:x:6", ReadOnlySequence<byte>.Empty, "1", "2"),
            new WorkEvent(PacketType.WorkComplete, "H:x:6", data), new JobRevoked("H:x:7"), new WorkerRegistered("f", probe),
            new RestoreJob("f", "H:x:8", "u", "\0data", data, Priority.High, false, 99, "", new[] { probe, probe }, 2),
            new RestoreQueue("f", 0, 5, 0), new JobMoved("H:x:9"),
            new RestoreJobs("f", new[]
            {
                new RestoreJob("f", "H:x:15", "u", null, data, Priority.Low, true, 0, "", Array.Empty<IActorRef>(), 0),
                new RestoreJob("f", "H:x:16", "", "k", data, Priority.High, false, 7, "r", new[] { probe }, 1),
            }),
            new Locate(LookupKind.Unique, "u", 23), new Located(24, "f"), new Located(25, null), new ListNode(26),
            new NodeListing(27, new[] { new QueueEntry("f", probe, 1, 2, 3, 4, 5, 6) }, new[] { new ConnectionInfo(1, "127.0.0.1", "-", new[] { "a", "b" }) }),
            // Journal events and the snapshot.
            new Gearman.Actors.Persistence.JobStored(Stored("H:x:10")), new Gearman.Actors.Persistence.JobsRemoved(new[] { "H:x:10", "H:x:11" }),
            new Gearman.Actors.Persistence.JobsWritten(new[] { Stored("H:x:12"), Stored("H:x:13") }, new[] { "H:x:1" }),
            new Gearman.Actors.Persistence.JobsWritten(Array.Empty<Gearman.Actors.Persistence.StoredJob>(), new[] { "H:x:2" }),
            new Gearman.Actors.Persistence.PendingJobsSnapshot(new[] { Stored("H:x:14") }),
        };

        Gearman.Actors.Persistence.StoredJob Stored(string handle) => new("f", handle, "u", null, data, Priority.Low, 77, "r");
        foreach (var message in samples)
        {
            var serializer = (BrokerSerializer)Sys.Serialization.FindSerializerFor(message);
            var copy = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
            Assert.Equal(Describe(message), Describe(copy));
            // A new message type needs a slot in the remote-traffic counters, or it would cross nodes uncounted.
            var manifest = serializer.Manifest(message);
            Assert.True(RemoteTraffic.Manifests.Contains(manifest) || RemoteTraffic.JournalOnly.Contains(manifest),
                $"manifest {manifest} has no slot in RemoteTraffic");
        }
        Assert.Same(Wake.Instance, RoundTrip(Wake.Instance));
        Assert.Equal(new ReleaseJob("H:x:3"), RoundTrip(new ReleaseJob("H:x:3")));
    }

    [Fact]
    public void A_link_batch_carries_its_messages_in_order_with_their_recipients_and_senders_and_counts_each()
    {
        var serializer = (BrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(Gearman.Actors.Links.LinkBatch));
        var (client, worker) = (CreateTestProbe().Ref, CreateTestProbe().Ref);
        var data = new ReadOnlySequence<byte>(Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());
        var items = new Gearman.Actors.Links.LinkItem[]
        {
            new(null, client, new Submit("f", "u", data, Priority.High, false, 0, "", client, 1)),
            new(client, worker, new JobAccepted(1, "H:x:1")),
            new(worker, ActorRefs.NoSender, new JobAssigned(2, GrabKind.All, "H:x:1", "f", "u", "", data, client)),
            new(client, Sys.DeadLetters, new WorkEvent(PacketType.WorkComplete, "H:x:1", data)),
            // The fence a job actor sends through the links on a worker's death notice, and its answer.
            new(null, client, new Gearman.Actors.Links.FenceProbe("H:x:1")),
            new(client, ActorRefs.NoSender, new Gearman.Actors.Links.Fenced("H:x:1")),
            // A payload above the link's threshold: its message without it, then its bytes in chunks.
            new(client, worker, new Gearman.Actors.Links.PayloadHead(7, data.Length,
                new WorkEvent(PacketType.WorkComplete, "H:x:2", ReadOnlySequence<byte>.Empty))),
            new(null, null, new Gearman.Actors.Links.PayloadChunk(7, data)),
        };
        var (envelopes, submits, completes) = (serializer.Traffic.EnvelopesSent, serializer.Traffic.SentCount("S"), serializer.Traffic.SentCount("WE"));

        var bytes = serializer.ToBinary(new Gearman.Actors.Links.LinkBatch(items, Acks: 2));
        var copy = (Gearman.Actors.Links.LinkBatch)serializer.FromBinary(bytes, serializer.Manifest(new Gearman.Actors.Links.LinkBatch(items)));

        Assert.Equal((items.Length, 2), (copy.Items.Count, copy.Acks));
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(items[i].Target, copy.Items[i].Target);
            Assert.Equal(Describe(items[i].Message), Describe(copy.Items[i].Message));
        }
        Assert.Equal(new[] { client, worker, ActorRefs.NoSender, ActorRefs.NoSender, client, ActorRefs.NoSender, worker, ActorRefs.NoSender },
            copy.Items.Select(i => i.Sender));
        Assert.Equal(data.ToArray(), ((WorkEvent)copy.Items[3].Message).Data.ToArray());
        var head = (Gearman.Actors.Links.PayloadHead)copy.Items[6].Message;
        Assert.Equal((7L, data.Length, "H:x:2"), (head.Stream, head.Length, ((WorkEvent)head.Message).Handle));
        Assert.Equal(data.ToArray(), ((Gearman.Actors.Links.PayloadChunk)copy.Items[7].Message).Bytes.ToArray());
        // One Akka.Remote message, and each broker message inside it counted under its own type.
        Assert.Equal((envelopes + 1, submits + 1, completes + 1),
            (serializer.Traffic.EnvelopesSent, serializer.Traffic.SentCount("S"), serializer.Traffic.SentCount("WE")));
    }

    [Fact]
    public void Journal_events_are_not_counted_as_traffic_between_nodes_and_messages_are()
    {
        var serializer = (BrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(Submit));
        var data = new ReadOnlySequence<byte>(new byte[] { 1, 2, 3 });
        var stored = new Gearman.Actors.Persistence.StoredJob("f", "H:x:1", "u", null, data, Priority.Normal, 0, "");
        object[] events =
        {
            new Gearman.Actors.Persistence.JobStored(stored), new Gearman.Actors.Persistence.JobsRemoved(new[] { "H:x:1" }),
            new Gearman.Actors.Persistence.JobsWritten(new[] { stored }, new[] { "H:x:2" }),
            new Gearman.Actors.Persistence.PendingJobsSnapshot(new[] { stored }),
        };
        var before = serializer.Traffic.Fields();
        foreach (var e in events) serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e));
        Assert.Equal(before, serializer.Traffic.Fields());

        var submit = new Submit("f", "", data, Priority.Normal, false, 0, "", CreateTestProbe().Ref, 1);
        var (sent, received, sentBytes) = (serializer.Traffic.SentCount("S"), serializer.Traffic.ReceivedCount("S"), SentBytes("S"));
        var bytes = serializer.ToBinary(submit);
        serializer.FromBinary(bytes, "S");
        Assert.Equal((sent + 1, received + 1, sentBytes + bytes.Length),
            (serializer.Traffic.SentCount("S"), serializer.Traffic.ReceivedCount("S"), SentBytes("S")));

        long SentBytes(string manifest) =>
            serializer.Traffic.Fields().Split(' ').Where(f => f.StartsWith($"sent.{manifest}.bytes=")).Select(f => long.Parse(f.Split('=')[1])).SingleOrDefault();
    }

    private object RoundTrip(object message)
    {
        var serializer = (BrokerSerializer)Sys.Serialization.FindSerializerFor(message);
        return serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    /// <summary>A value rendering that sees through payloads and lists, which records compare by reference.</summary>
    private static string Describe(object o)
    {
        var parts = o.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => p.Name + "=" + Value(p.GetValue(o)));
        return o.GetType().Name + "{" + string.Join(",", parts) + "}";

        static string Value(object? v) => v switch
        {
            null => "null",
            ReadOnlySequence<byte> seq => Convert.ToHexString(seq.ToArray()),
            string s => s,
            IActorRef r => r.Path.ToString(),
            System.Collections.IEnumerable e => "[" + string.Join(";", e.Cast<object>().Select(x => x is string or IActorRef ? Value(x) : Describe(x))) + "]",
            _ => v.ToString() ?? "",
        };
    }
}
