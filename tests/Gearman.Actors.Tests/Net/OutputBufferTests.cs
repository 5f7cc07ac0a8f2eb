using System.Buffers;
using System.Text;
using Akka.IO;
using Gearman.Actors.Net;
using Xunit;

namespace Gearman.Actors.Tests.Net;

public class OutputBufferTests
{
    private sealed class Ack : Tcp.Event
    {
        public static readonly Ack Instance = new();
    }

    private static byte[] BytesOf(Tcp.WriteCommand command)
    {
        var writes = command is Tcp.CompoundWrite compound ? compound.ToList<Tcp.SimpleWriteCommand>() : new() { (Tcp.SimpleWriteCommand)command };
        return writes.Cast<Tcp.Write>().SelectMany(w => w.Data.ToArray()).ToArray();
    }

    private static void Put(OutputBuffer output, string text)
    {
        var span = output.GetSpan(text.Length);
        output.Advance(Encoding.ASCII.GetBytes(text, span));
    }

    [Fact]
    public void A_write_not_yet_acknowledged_keeps_its_bytes_while_more_are_encoded()
    {
        var output = new OutputBuffer();
        Put(output, new string('a', 3000));
        var first = output.Take(Ack.Instance);

        // Encoding more before the ack must not reuse the first write's array.
        for (var i = 0; i < 50; i++)
        {
            Put(output, new string('b', 3000));
            var more = output.Take(Ack.Instance);
            Assert.Equal(new string('b', 3000), Encoding.ASCII.GetString(BytesOf(more)));
        }
        Assert.Equal(new string('a', 3000), Encoding.ASCII.GetString(BytesOf(first)));
    }

    [Fact]
    public void Acknowledged_arrays_are_reused_without_mixing_old_bytes_into_new_writes()
    {
        var output = new OutputBuffer();
        for (var i = 0; i < 200; i++)
        {
            var text = new string((char)('a' + i % 26), 1 + i * 37 % 5000);
            Put(output, text);
            Put(output, "|");
            var command = output.Take(Ack.Instance);
            Assert.Equal(text + "|", Encoding.ASCII.GetString(BytesOf(command)));
            output.WriteAcknowledged();
            Assert.True(output.IsEmpty);
        }
    }

    [Fact]
    public void A_large_payload_is_sent_from_its_own_buffer_between_the_small_packets_around_it()
    {
        var output = new OutputBuffer();
        var payload = Enumerable.Range(0, OutputBuffer.ZeroCopyThreshold * 2).Select(i => (byte)i).ToArray();
        Put(output, "head");
        output.Append(new ReadOnlySequence<byte>(payload));
        Put(output, "tail");
        Assert.Equal(8 + payload.Length, output.Buffered);

        var command = output.Take(Ack.Instance);
        var writes = ((Tcp.CompoundWrite)command).ToList<Tcp.SimpleWriteCommand>().Cast<Tcp.Write>().ToList();
        writes = writes.Where(w => !w.Data.IsEmpty).ToList();
        Assert.Equal(3, writes.Count);
        Assert.Equal(payload, writes[1].Data.ToArray());
        // Only the last part asks for the ack, so the ack means the whole burst was written.
        Assert.Same(Ack.Instance, writes[2].Ack);
        Assert.IsNotType<Ack>(writes[0].Ack);
        Assert.Equal("head"u8.ToArray().Concat(payload).Concat("tail"u8.ToArray()), BytesOf(command));
    }
}
