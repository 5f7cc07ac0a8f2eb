using System.Collections.Frozen;
using System.Text;
using Akka.Actor;

namespace Gearman.Actors.Serialization;

/// <summary>
/// How many broker messages, and how many bytes of them, this node sent to and received from other nodes, per
/// message type (its <see cref="BrokerSerializer"/> manifest). It is there to count what a job costs on the cross-node
/// path (docs/cluster.md, "What one job sends between nodes"); the node writes it as one
/// <c>event=remote-traffic</c> log line when it shuts down.
/// </summary>
/// <remarks>
/// The serializer is the one place every broker message that crosses nodes passes, and only those: Akka does not
/// serialize messages between actors of one node. The journal's events and snapshot go through the same serializer
/// to the store, not to another node, so they have no slot here and are never counted. Bytes are the serialized
/// message only; Akka.Remote's envelope (recipient and sender paths, manifest, framing) comes on top, and so does the
/// cluster's own traffic (heartbeats, gossip, sharding's coordination), which has serializers of its own.
/// A count costs one lookup of a short string and two interlocked adds on a fixed array, against microseconds of
/// remoting per message, so it is always on.
/// </remarks>
internal sealed class RemoteTraffic
{
    /// <summary>Every manifest that crosses nodes, in the order of the log line; see <see cref="BrokerSerializer.Manifest"/>.</summary>
    internal static readonly string[] Manifests =
    {
        "S", "JA", "SR", "RW", "UW", "WS", "W", "WA", "G", "JAS", "NJ", "WE", "ACK", "JR", "RJ", "WR", "LG",
        "GJS", "GUS", "JS", "US", "CJ", "SMQ", "CF", "DF", "GQS", "QS", "AT", "L", "LD", "LN", "NL", "RSJ", "RSJS", "RSQ", "JM", "FP", "FE", "SW",
        "PH", "PC", "LQ", "LP",
    };

    /// <summary>The journal's events and snapshot: serialized by the same serializer, but for the store.</summary>
    internal static readonly FrozenSet<string> JournalOnly = new[] { "PJS", "PJR", "PJW", "PSN" }.ToFrozenSet();

    private static readonly FrozenDictionary<string, int> Slots =
        Manifests.Select((m, i) => (m, i)).ToFrozenDictionary(x => x.m, x => x.i, StringComparer.Ordinal);

    private readonly long[] _sent = new long[Manifests.Length];
    private readonly long[] _sentBytes = new long[Manifests.Length];
    private readonly long[] _received = new long[Manifests.Length];
    private readonly long[] _receivedBytes = new long[Manifests.Length];

    /// <summary>Akka.Remote messages: a batch of the node link (several broker messages) or a broker message on its own.</summary>
    private long _envelopesSent, _envelopesSentBytes, _envelopesReceived, _envelopesReceivedBytes;

    /// <summary>The counters of the broker in <paramref name="system"/>, held by its serializer.</summary>
    public static RemoteTraffic Of(ActorSystem system) =>
        ((BrokerSerializer)system.Serialization.FindSerializerForType(typeof(Queues.Submit))).Traffic;

    internal void Sent(string manifest, int bytes)
    {
        if (!Slots.TryGetValue(manifest, out var i)) return;
        Interlocked.Increment(ref _sent[i]);
        Interlocked.Add(ref _sentBytes[i], bytes);
    }

    internal void Received(string manifest, int bytes)
    {
        if (!Slots.TryGetValue(manifest, out var i)) return;
        Interlocked.Increment(ref _received[i]);
        Interlocked.Add(ref _receivedBytes[i], bytes);
    }

    internal void SentEnvelope(string manifest, int bytes)
    {
        if (JournalOnly.Contains(manifest)) return;
        Interlocked.Increment(ref _envelopesSent);
        Interlocked.Add(ref _envelopesSentBytes, bytes);
    }

    internal void ReceivedEnvelope(string manifest, int bytes)
    {
        if (JournalOnly.Contains(manifest)) return;
        Interlocked.Increment(ref _envelopesReceived);
        Interlocked.Add(ref _envelopesReceivedBytes, bytes);
    }

    /// <summary>Akka.Remote messages sent so far that carried broker messages (batches and single ones).</summary>
    public long EnvelopesSent => Interlocked.Read(ref _envelopesSent);

    /// <summary>Messages sent with <paramref name="manifest"/> so far (0 for one that never crosses).</summary>
    public long SentCount(string manifest) => Slots.TryGetValue(manifest, out var i) ? Interlocked.Read(ref _sent[i]) : 0;

    /// <summary>Messages received with <paramref name="manifest"/> so far (0 for one that never crosses).</summary>
    public long ReceivedCount(string manifest) => Slots.TryGetValue(manifest, out var i) ? Interlocked.Read(ref _received[i]) : 0;

    /// <summary>True once any broker message has crossed to or from this node.</summary>
    public bool Any => Snapshot(_sent).Sum() + Snapshot(_received).Sum() > 0;

    /// <summary>
    /// logfmt fields: the totals (<c>sent=</c>, <c>sent.bytes=</c>, <c>received=</c>, <c>received.bytes=</c>), the
    /// Akka.Remote messages that carried them (<c>sent.envelopes=</c>, with bytes, and the same received), then
    /// <c>sent.M=</c> and <c>sent.M.bytes=</c> (and the same for received) for every manifest M that was counted.
    /// </summary>
    public string Fields()
    {
        var (sent, sentBytes, received, receivedBytes) = (Snapshot(_sent), Snapshot(_sentBytes), Snapshot(_received), Snapshot(_receivedBytes));
        var sb = new StringBuilder(512);
        sb.Append("sent=").Append(sent.Sum()).Append(" sent.bytes=").Append(sentBytes.Sum())
          .Append(" received=").Append(received.Sum()).Append(" received.bytes=").Append(receivedBytes.Sum())
          .Append(" sent.envelopes=").Append(Interlocked.Read(ref _envelopesSent))
          .Append(" sent.envelopes.bytes=").Append(Interlocked.Read(ref _envelopesSentBytes))
          .Append(" received.envelopes=").Append(Interlocked.Read(ref _envelopesReceived))
          .Append(" received.envelopes.bytes=").Append(Interlocked.Read(ref _envelopesReceivedBytes));
        Per("sent", sent, sentBytes);
        Per("received", received, receivedBytes);
        return sb.ToString();

        void Per(string direction, long[] counts, long[] bytes)
        {
            for (var i = 0; i < Manifests.Length; i++)
                if (counts[i] > 0)
                    sb.Append(' ').Append(direction).Append('.').Append(Manifests[i]).Append('=').Append(counts[i])
                      .Append(' ').Append(direction).Append('.').Append(Manifests[i]).Append(".bytes=").Append(bytes[i]);
        }
    }

    private static long[] Snapshot(long[] counters)
    {
        var copy = new long[counters.Length];
        for (var i = 0; i < counters.Length; i++) copy[i] = Interlocked.Read(ref counters[i]);
        return copy;
    }
}
