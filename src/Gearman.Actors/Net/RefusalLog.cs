using System.Net;

namespace Gearman.Actors.Net;

/// <summary>
/// Decides which refused connections (<c>gearman.allow</c>) are logged. A peer that keeps reconnecting would
/// otherwise write a line per attempt: 2,300 attempts made 433 KB of log in 1.3 s. The first refusal from an
/// address is logged at once; later ones are counted, and at most one line per interval reports the count
/// (<c>suppressed=N</c>) until the address has been quiet for a whole interval and is forgotten. At most
/// <c>maxAddresses</c> addresses are remembered, so that a peer with many addresses cannot grow the table; the
/// refusals of the addresses beyond it share one entry, logged as <c>ip=*</c>.
/// </summary>
/// <remarks>Not thread-safe: the listener actor owns it. Times come from the caller, so tests need no clock.</remarks>
internal sealed class RefusalLog
{
    /// <summary>The name the addresses beyond the table are logged under.</summary>
    public const string Others = "*";

    private readonly TimeSpan _interval;
    private readonly int _maxAddresses;
    private readonly Dictionary<IPAddress, Entry> _addresses = new();
    private Entry? _others;

    public RefusalLog(TimeSpan interval, int maxAddresses)
    {
        _interval = interval;
        _maxAddresses = Math.Max(0, maxAddresses);
    }

    /// <summary>A line to write: <see cref="Suppressed"/> refusals from <see cref="Ip"/> went unlogged since its last line.</summary>
    public readonly record struct Line(string Ip, long Suppressed);

    /// <summary>True when nothing is remembered, so that no flush is needed.</summary>
    public bool IsEmpty => _addresses.Count == 0 && _others is null;

    /// <summary>
    /// Counts a refusal; returns the line to write now, or null when a later <see cref="Flush"/> reports it. A peer
    /// without an IP address (refused by any non-empty list) is counted with the others.
    /// </summary>
    public Line? Refused(IPAddress? address, TimeSpan now)
    {
        if (address is { IsIPv4MappedToIPv6: true }) address = address.MapToIPv4();
        if (address is not null && _addresses.TryGetValue(address, out var entry))
        {
            entry.Suppressed++;
            return null;
        }
        if (address is not null && _addresses.Count < _maxAddresses)
        {
            _addresses.Add(address, new Entry(now));
            return new Line(address.ToString(), 0);
        }
        if (_others is not null)
        {
            _others.Suppressed++;
            return null;
        }
        _others = new Entry(now);
        return new Line(Others, 0);
    }

    /// <summary>
    /// The counts of the addresses whose last line is at least an interval old; those with nothing to report are
    /// forgotten, so that their next refusal is logged at once again.
    /// </summary>
    public List<Line> Flush(TimeSpan now)
    {
        var lines = new List<Line>();
        List<IPAddress>? quiet = null;
        foreach (var (address, entry) in _addresses)
        {
            if (now - entry.LastLine < _interval) continue;
            if (entry.Suppressed == 0) (quiet ??= new()).Add(address);
            else lines.Add(entry.Report(address.ToString(), now));
        }
        if (quiet is not null)
            foreach (var address in quiet) _addresses.Remove(address);
        if (_others is not null && now - _others.LastLine >= _interval)
        {
            if (_others.Suppressed == 0) _others = null;
            else lines.Add(_others.Report(Others, now));
        }
        return lines;
    }

    private sealed class Entry(TimeSpan lastLine)
    {
        public TimeSpan LastLine = lastLine;
        public long Suppressed;

        public Line Report(string ip, TimeSpan now)
        {
            var line = new Line(ip, Suppressed);
            Suppressed = 0;
            LastLine = now;
            return line;
        }
    }
}
