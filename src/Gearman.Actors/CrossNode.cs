using System.Buffers;
using System.Text;
using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors;

/// <summary>
/// What may cross between nodes in one message. A payload travels inside one Akka.Remote frame, and a node's
/// heartbeats share that connection, so a payload larger than <see cref="BrokerSettings.MaxCrossNodePayload"/> is
/// never handed to remoting: the request it belongs to fails at once with an error that says why, instead of being
/// dropped by the transport (a job that hangs) or holding the cluster's heartbeats behind it.
/// </summary>
internal static class CrossNode
{
    /// <summary>True when <paramref name="bytes"/> may go to <paramref name="to"/>: on this node any size may.</summary>
    public static bool Fits(IActorRef to, long bytes, BrokerSettings settings) =>
        bytes <= settings.MaxCrossNodePayload || to.Path.Address.HasLocalScope;

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
