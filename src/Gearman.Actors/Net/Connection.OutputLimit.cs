using Akka.Actor;
using Akka.Event;
using Akka.IO;

namespace Gearman.Actors.Net;

// gearman.output-limit: a peer that does not read its results cannot make the broker hold them without bound.
public sealed partial class Connection
{
    /// <summary>
    /// gearman.output-limit. The output waiting behind the write in flight (encoded, or ready behind a reply that has
    /// not come), less its largest single packet, may not pass the limit: a peer that reads may be one packet of any
    /// size plus the limit behind, and one that does not read cannot make the broker hold its results without bound.
    /// </summary>
    private bool OverOutputLimit(out long waiting)
    {
        var limit = _ctx.Settings.OutputLimit;
        waiting = _output.Buffered + _slots.WaitingBytes;
        if (limit <= 0 || waiting <= limit) return false;
        // Rare: only a peer already a limit behind gets here, so the scan of the waiting replies costs nothing normally.
        var largest = Math.Max(_output.LargestPayload, _slots.LargestWaiting());
        return waiting - largest > limit;
    }

    /// <summary>
    /// Drops the peer that passed the output limit. Abort, not Close: a close would wait for the write in flight,
    /// which a peer that does not read never takes. The jobs it waited on lose only this listener (PostStop).
    /// </summary>
    private void CloseForOutputLimit(long waiting)
    {
        _log.Warning("event=output-limit-exceeded connection={0} ip={1} bytes={2} in-flight={3} limit={4}",
            _id, _ip, waiting, _inFlightBytes, _ctx.Settings.OutputLimit);
        _overLimit = _closing = _closeSent = true;
        _output.Discard();
        _socket.Tell(Tcp.Abort.Instance);
    }
}
