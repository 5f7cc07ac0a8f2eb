using System.Net;
using Gearman.Actors.Net;

namespace Gearman.Actors.Tests.Net;

/// <summary>Which refused connections are logged, with the clock in the test's hands.</summary>
public sealed class RefusalLogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly IPAddress A = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress B = IPAddress.Parse("198.51.100.2");
    private static readonly IPAddress C = IPAddress.Parse("198.51.100.3");

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void The_first_refusal_is_logged_at_once_and_the_rest_come_as_one_count_per_interval()
    {
        var log = new RefusalLog(Interval, 10);
        Assert.Equal(new RefusalLog.Line("198.51.100.1", 0), log.Refused(A, At(0)));
        for (var i = 0; i < 99; i++) Assert.Null(log.Refused(A, At(1)));

        Assert.Empty(log.Flush(At(9.9))); // not an interval since the last line
        Assert.Equal([new RefusalLog.Line("198.51.100.1", 99)], log.Flush(At(10)));
        Assert.Null(log.Refused(A, At(11)));
        Assert.Empty(log.Flush(At(19.9)));
        Assert.Equal([new RefusalLog.Line("198.51.100.1", 1)], log.Flush(At(20)));
    }

    [Fact]
    public void An_address_quiet_for_an_interval_is_forgotten_and_logged_at_once_again()
    {
        var log = new RefusalLog(Interval, 10);
        log.Refused(A, At(0));
        Assert.Empty(log.Flush(At(10)));
        Assert.True(log.IsEmpty);
        Assert.Equal(new RefusalLog.Line("198.51.100.1", 0), log.Refused(A, At(11)));
    }

    [Fact]
    public void Addresses_beyond_the_table_share_one_line()
    {
        var log = new RefusalLog(Interval, 2);
        log.Refused(A, At(0));
        log.Refused(B, At(0));
        Assert.Equal(new RefusalLog.Line(RefusalLog.Others, 0), log.Refused(C, At(0)));
        for (var i = 0; i < 1000; i++)
            Assert.Null(log.Refused(IPAddress.Parse($"203.0.113.{i % 250}"), At(1)));
        Assert.Null(log.Refused(null, At(1))); // a peer without an IP address

        Assert.Equal([new RefusalLog.Line(RefusalLog.Others, 1001)], log.Flush(At(10)));
        // Forgetting A and B makes room again.
        Assert.Empty(log.Flush(At(20)));
        Assert.True(log.IsEmpty);
        Assert.Equal(new RefusalLog.Line("198.51.100.3", 0), log.Refused(C, At(21)));
    }

    [Fact]
    public void An_IPv4_peer_on_a_dual_stack_socket_counts_as_its_IPv4_address()
    {
        var log = new RefusalLog(Interval, 10);
        Assert.Equal(new RefusalLog.Line("198.51.100.1", 0), log.Refused(A.MapToIPv6(), At(0)));
        Assert.Null(log.Refused(A, At(1)));
    }
}
