using System.Buffers;
using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Gearman.Actors.Jobs;
using Gearman.Actors.Links;
using Gearman.Actors.Protocol;
using Gearman.Actors.Serialization;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>
/// The node link's own TCP connection, over real loopback TCP: a <see cref="LinkSocket"/> writes batches, a
/// <see cref="LinkListener"/> reads them and hands each to its link (a probe here) as sent by the connecting node's link.
/// </summary>
public sealed class LinkConnectionTests : TestKit
{
    [Fact]
    public async Task Batches_arrive_whole_and_in_order_also_when_they_outrun_the_socket_buffers()
    {
        var system = (ExtendedActorSystem)Sys;
        var serializer = new BrokerSerializer(system);
        var link = CreateTestProbe();
        var target = CreateTestProbe();
        using var listener = new LinkListener(new IPEndPoint(IPAddress.Loopback, 0), system, link.Ref, serializer, Sys.Log);
        var failures = new List<Exception>();
        using var socket = await LinkSocket.ConnectAsync("127.0.0.1", listener.Port, system.Provider.DefaultAddress, serializer,
            (_, ex) => failures.Add(ex), TimeSpan.FromSeconds(5));

        // 40 batches of 1 MiB each, written at once: more than the kernel takes, so most wait in the socket's backlog.
        var payload = new byte[1 << 20];
        new Random(3).NextBytes(payload);
        const int batches = 40;
        for (var i = 0; i < batches; i++)
        {
            var item = new LinkItem(target.Ref, null, new WorkEvent(PacketType.WorkData, "H:x:" + i, new ReadOnlySequence<byte>(payload)));
            socket.Send(new LinkBatch(new[] { item }, Acks: i));
        }

        for (var i = 0; i < batches; i++)
        {
            var batch = link.ExpectMsg<LinkBatch>(TimeSpan.FromSeconds(10));
            Assert.Equal(i, batch.Acks);
            Assert.Equal(system.Provider.DefaultAddress, link.LastSender.Path.Address);
            var item = Assert.Single(batch.Items);
            Assert.Equal(target.Ref, item.Target);
            var work = Assert.IsType<WorkEvent>(item.Message);
            Assert.Equal("H:x:" + i, work.Handle);
            Assert.True(work.Data.ToArray().AsSpan().SequenceEqual(payload), $"batch {i}: the payload changed on the way");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_connection_that_does_not_say_hello_is_closed_and_the_listener_takes_the_next()
    {
        var system = (ExtendedActorSystem)Sys;
        var serializer = new BrokerSerializer(system);
        var link = CreateTestProbe();
        using var listener = new LinkListener(new IPEndPoint(IPAddress.Loopback, 0), system, link.Ref, serializer, Sys.Log);

        using (var stranger = new System.Net.Sockets.TcpClient())
        {
            await stranger.ConnectAsync(IPAddress.Loopback, listener.Port);
            var stream = stranger.GetStream();
            await stream.WriteAsync(LinkSocket.Frame("GET / HTTP/1.1\r\n\r\n"u8.ToArray()));
            // The listener closes it: the read ends.
            Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        using var socket = await LinkSocket.ConnectAsync("127.0.0.1", listener.Port, system.Provider.DefaultAddress, serializer,
            (_, _) => { }, TimeSpan.FromSeconds(5));
        socket.Send(new LinkBatch(Array.Empty<LinkItem>(), Acks: 7));
        Assert.Equal(7, link.ExpectMsg<LinkBatch>(TimeSpan.FromSeconds(10)).Acks);
        link.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
