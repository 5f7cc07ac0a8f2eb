using System.Buffers;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.IO;
using Gearman.Actors.Net;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Net;

/// <summary>
/// A submit whose queue never answers (its node died with the message) is refused a short grace after this node
/// sees a member removed, not after the whole request timeout.
/// </summary>
public sealed class LostRequestTests : Akka.TestKit.Xunit2.TestKit
{
    private static byte[] SubmitJob(string function, string data)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PacketWriter.Write(buffer, Magic.Request, PacketType.SubmitJob, function, "", data);
        return buffer.WrittenSpan.ToArray();
    }

    private (BrokerContext Ctx, Akka.TestKit.TestProbe Region, Akka.TestKit.TestProbe Socket, IActorRef Connection) Start()
    {
        var ctx = new BrokerContext(new BrokerSettings
        {
            RequestTimeout = TimeSpan.FromMinutes(5),
            LostRequestGrace = TimeSpan.FromMilliseconds(200),
        });
        var region = CreateTestProbe();
        ctx.Queues = region.Ref;
        var socket = CreateTestProbe();
        var connection = Sys.ActorOf(Connection.Props(ctx, socket.Ref, new IPEndPoint(IPAddress.Loopback, 40000)));
        return (ctx, region, socket, connection);
    }

    private static string Written(Tcp.WriteCommand write) => write switch
    {
        Tcp.Write w => Encoding.Latin1.GetString(w.Data.ToArray()),
        Tcp.CompoundWrite c => string.Concat(c.Select(Written)),
        _ => "",
    };

    [Fact]
    public void A_submit_waiting_when_a_member_is_removed_gets_queue_error_after_the_grace()
    {
        var (ctx, region, socket, connection) = Start();
        connection.Tell(new Tcp.Received(ByteString.FromBytes(SubmitJob("lost_fn", "x"))), socket.Ref);
        region.ExpectMsg<Submit>(m => m.Function == "lost_fn");

        ctx.Losses.Record(Environment.TickCount64);

        var reply = Written(socket.FishForMessage<Tcp.WriteCommand>(_ => true, TimeSpan.FromSeconds(5)));
        Assert.Contains("QUEUE_ERROR", reply);
    }
}
