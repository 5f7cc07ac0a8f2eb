using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Gearman.Actors.Jobs;
using Gearman.Actors.Links;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>
/// The node link's acknowledged batches, against a stand-in for the peer's link: this actor system is its own peer,
/// and its <c>/user/gearman-link</c> is a forwarder to a probe, while the link under test has another name. The link
/// sends its batches as remote messages here (gearman.link-port = -1), so that the probe sees each one; between
/// nodes they go on the link's own connection (<see cref="NodeLinkTests"/>).
/// </summary>
public sealed class NodeLinkWindowTests : TestKit
{
    private readonly Akka.TestKit.TestProbe _peer;
    private readonly IActorRef _peerLink;
    private readonly IActorRef _link;

    public NodeLinkWindowTests()
    {
        _peer = CreateTestProbe();
        _peerLink = Sys.ActorOf(Props.Create(() => new Forwarder(_peer.Ref)), NodeLink.Name);
        _link = Sys.ActorOf(NodeLink.Props(new BrokerContext(new BrokerSettings { LinkPort = -1 })), "link-under-test");
    }

    [Fact]
    public void A_batch_waits_for_the_ack_of_the_last_one_or_for_the_ack_timeout()
    {
        _link.Tell(Outbound("a"));
        Assert.Equal(new[] { "a" }, Items(_peer.ExpectMsg<LinkBatch>()));

        // No ack comes: "b" is held until the last batch is overdue (1 s), then goes.
        var held = Stopwatch.StartNew();
        _link.Tell(Outbound("b"));
        Assert.Equal(new[] { "b" }, Items(_peer.ExpectMsg<LinkBatch>(TimeSpan.FromSeconds(5))));
        Assert.True(held.ElapsedMilliseconds >= 500, $"sent after {held.ElapsedMilliseconds} ms, before its ack or timeout");

        // The ack releases what waits.
        _link.Tell(Outbound("c"));
        _link.Tell(Outbound("d"));
        _link.Tell(new LinkBatch(Array.Empty<LinkItem>(), Acks: 1), _peerLink);
        var released = new List<string>();
        while (released.Count < 2) released.AddRange(Items(_peer.ExpectMsg<LinkBatch>()));
        Assert.Equal(new[] { "c", "d" }, released);
    }

    [Fact]
    public void A_batch_received_is_acknowledged_in_the_next_batch_or_alone()
    {
        var recipient = CreateTestProbe();
        _link.Tell(new LinkBatch(new[] { new LinkItem(recipient.Ref, null, "x") }), _peerLink);
        recipient.ExpectMsg("x");
        var ack = _peer.ExpectMsg<LinkBatch>();
        Assert.Equal((0, 1), (ack.Items.Count, ack.Acks));

        // A batch that waits for its own ack still goes with the ack it owes: busy links clock each other.
        _link.Tell(Outbound("a"));
        Assert.Equal(new[] { "a" }, Items(_peer.ExpectMsg<LinkBatch>()));
        _link.Tell(Outbound("b"));
        _link.Tell(new LinkBatch(new[] { new LinkItem(recipient.Ref, null, "y") }), _peerLink);
        recipient.ExpectMsg("y");
        var next = _peer.ExpectMsg<LinkBatch>();
        Assert.Equal(new[] { "b" }, Items(next));
        Assert.Equal(1, next.Acks);
    }

    /// <summary>
    /// A payload above the threshold goes as its message without it and then in chunks, a window of batches at a time;
    /// what its sender sent after it waits behind its last chunk, while a message between other actors goes at once.
    /// The receiving link delivers the message whole, and each message in the order it arrived.
    /// </summary>
    [Fact]
    public void A_large_payload_crosses_in_chunks_a_window_at_a_time_and_only_what_its_sender_sent_after_it_waits()
    {
        var payload = new byte[PayloadStream.ChunkBytes * 20 + 3];
        new Random(5).NextBytes(payload);
        var local = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        _link.Tell(new Outbound(TestActor, local, new WorkEvent(PacketType.WorkComplete, "H:x:1", new ReadOnlySequence<byte>(payload))));
        _link.Tell(Outbound("after"));
        // From another sender to another recipient: it need not wait for the payload.
        var other = CreateTestProbe();
        _link.Tell(new Outbound(other.Ref, local, "passes"), other.Ref);
        // From the payload's sender: it waits, and stays behind "after".
        _link.Tell(new Outbound(other.Ref, local, "behind"), TestActor);

        // A window's worth goes at once; with no ack, the next waits for the ack timeout (1 s).
        var batches = new List<LinkBatch>();
        for (var i = 0; i < PayloadStream.Window; i++) batches.Add(_peer.ExpectMsg<LinkBatch>());
        var held = Stopwatch.StartNew();
        batches.Add(_peer.ExpectMsg<LinkBatch>(TimeSpan.FromSeconds(5)));
        Assert.True(held.ElapsedMilliseconds >= 500, $"a batch beyond the window went after {held.ElapsedMilliseconds} ms, before an ack");
        while (batches[^1].Items[^1].Message is not "behind")
        {
            _link.Tell(new LinkBatch(Array.Empty<LinkItem>(), Acks: 1), _peerLink);
            batches.Add(_peer.ExpectMsg<LinkBatch>());
        }

        var head = Assert.IsType<PayloadHead>(batches[0].Items[0].Message);
        Assert.Equal(payload.Length, head.Length);
        Assert.True(((WorkEvent)head.Message).Data.IsEmpty);
        var chunks = batches.SelectMany(b => b.Items).Select(i => i.Message).OfType<PayloadChunk>().ToList();
        Assert.All(batches, b => Assert.True(b.Items.Count(i => i.Message is PayloadChunk) <= 1, "two chunks in one batch"));
        Assert.Equal(21, chunks.Count);
        Assert.Equal(payload.Length, chunks.Sum(c => c.Bytes.Length));
        var order = batches.SelectMany(b => b.Items).Select(i => i.Message).ToList();
        var lastChunk = order.FindLastIndex(m => m is PayloadChunk);
        // It may follow the first window of chunks (sent before it reached the link), but not the payload's end.
        Assert.InRange(order.IndexOf("passes"), 1, lastChunk - 1);
        Assert.Equal(new object[] { "after", "behind" }, order.Skip(lastChunk + 1));

        // The same batches, received from the peer, give the message whole and then "after".
        var recipient = CreateTestProbe();
        foreach (var batch in batches)
            _link.Tell(new LinkBatch(batch.Items.Select(i => i.Target is null ? i : i with { Target = recipient.Ref }).ToList()), _peerLink);
        recipient.ExpectMsg("passes");
        var whole = recipient.ExpectMsg<WorkEvent>();
        Assert.Equal("H:x:1", whole.Handle);
        Assert.Equal(payload, whole.Data.ToArray());
        recipient.ExpectMsg("after");
        recipient.ExpectMsg("behind");
    }

    /// <summary>A job on its way to a worker in chunks: the worker's connection hears of it with the head, so its grab waits.</summary>
    [Fact]
    public void A_job_arriving_in_chunks_is_announced_to_its_worker_with_its_size_before_it_arrives()
    {
        var worker = CreateTestProbe();
        var job = new Gearman.Actors.Queues.JobAssigned(9, Gearman.Actors.Queues.GrabKind.Plain, "H:x:2", "f", "", "",
            ReadOnlySequence<byte>.Empty, TestActor);
        var head = new PayloadHead(1, 3 << 20, job);
        _link.Tell(new LinkBatch(new[] { new LinkItem(worker.Ref, TestActor, head) }), _peerLink);
        Assert.Equal(new AssignmentStreaming(9, 3 << 20), worker.ExpectMsg<AssignmentStreaming>());
    }

    private Outbound Outbound(string text) => new(TestActor, ((ExtendedActorSystem)Sys).Provider.DefaultAddress, text);

    private static string[] Items(LinkBatch batch) => batch.Items.Select(i => (string)i.Message).ToArray();

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
