using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Gearman.Actors.Links;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>
/// The node link's acknowledged batches, against a stand-in for the peer's link: this actor system is its own peer,
/// and its <c>/user/gearman-link</c> is a forwarder to a probe, while the link under test has another name.
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
        _link = Sys.ActorOf(NodeLink.Props(new BrokerContext(new BrokerSettings())), "link-under-test");
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

    private Outbound Outbound(string text) => new(TestActor, ((ExtendedActorSystem)Sys).Provider.DefaultAddress, text);

    private static string[] Items(LinkBatch batch) => batch.Items.Select(i => (string)i.Message).ToArray();

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
