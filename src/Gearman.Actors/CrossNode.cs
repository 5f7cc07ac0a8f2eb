using System.Buffers;
using System.Text;
using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors;

/// <summary>
/// What may cross between nodes in one message. Through the node link (<c>gearman.node-link</c>, on by default) a
/// payload of any size crosses, in chunks (<see cref="Links.PayloadStream"/>). Without it, and on the shard region's
/// own path (a queue command routed by a node that guessed the queue's home wrong for a moment), a message travels in
/// one Akka.Remote frame, and a node's heartbeats share that connection, so a payload larger than
/// <see cref="BrokerSettings.MaxCrossNodePayload"/> is never handed to remoting there: the request it belongs to fails
/// at once with an error that says why, instead of being dropped by the transport (a job that hangs) or holding the
/// cluster's heartbeats behind it.
/// </summary>
internal static class CrossNode
{
    /// <summary>True when <paramref name="bytes"/> may go to <paramref name="to"/>: on this node, or through the link, any size may.</summary>
    public static bool Fits(IActorRef to, long bytes, BrokerSettings settings) =>
        settings.NodeLink || bytes <= settings.MaxCrossNodePayload || to.Path.Address.HasLocalScope;

    /// <summary>
    /// The time a payload of <paramref name="bytes"/> is given to cross in chunks, on top of a request's own timeout:
    /// at <see cref="SlowestRate"/>. Nothing for a payload that crosses inside its message.
    /// </summary>
    public static TimeSpan Allowance(long bytes) =>
        bytes > Links.PayloadStream.Threshold ? TimeSpan.FromSeconds((double)bytes / SlowestRate) : TimeSpan.Zero;

    /// <summary>
    /// Bytes per second below which a crossing counts as lost: a fifth of the slowest measured (a 1 GiB job and its
    /// result crossed two nodes of a 2-core machine at 21 MiB/s for the whole round trip, each crossing at over
    /// 40 MiB/s; docs/cluster.md).
    /// </summary>
    private const double SlowestRate = 8 << 20;

    public static string TooLarge(long bytes, BrokerSettings settings) =>
        $"Payload of {bytes} bytes is too large to cross between cluster nodes (at most {settings.MaxCrossNodePayload} bytes)";

    /// <summary>
    /// What goes in place of a work packet whose data cannot cross: a final one becomes WORK_EXCEPTION (WORK_FAIL for
    /// clients without the exceptions option), any other a WORK_WARNING; either carries the reason as its data.
    /// </summary>
    public static WorkEvent Withheld(WorkEvent e, BrokerSettings settings)
    {
        var reason = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(TooLarge(e.Data.Length, settings)));
        return e with { Type = e.IsFinal ? PacketType.WorkException : PacketType.WorkWarning, Data = reason };
    }
}
