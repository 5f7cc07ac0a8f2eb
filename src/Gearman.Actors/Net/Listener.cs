using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.IO;

namespace Gearman.Actors.Net;

/// <summary>Binds the Gearman port and gives every accepted socket its own <see cref="Connection"/> actor.</summary>
public sealed class Listener : UntypedActor, IWithTimers
{
    private static readonly long Started = Stopwatch.GetTimestamp();
    private readonly BrokerContext _ctx;
    private readonly TaskCompletionSource<EndPoint> _bound;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RefusalLog _refusals;
    private IActorRef? _tcpListener;

    public Listener(BrokerContext ctx, TaskCompletionSource<EndPoint> bound)
    {
        _ctx = ctx;
        _bound = bound;
        _refusals = new RefusalLog(ctx.Settings.RefusedLogInterval, ctx.Settings.RefusedLogAddresses);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Unbinds the port; connections already open stay (they are this actor's children).</summary>
    public sealed class StopAccepting
    {
        public static readonly StopAccepting Instance = new();
        private StopAccepting() { }
    }

    /// <summary>Time to report the refusals counted but not logged (see <see cref="RefusalLog"/>).</summary>
    private sealed class FlushRefusals
    {
        public static readonly FlushRefusals Instance = new();
        private FlushRefusals() { }
    }

    public static Props Props(BrokerContext ctx, TaskCompletionSource<EndPoint> bound) =>
        Akka.Actor.Props.Create(() => new Listener(ctx, bound));

    /// <summary>A connection that fails is stopped, never restarted: its socket and decoder state cannot be rebuilt.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        var s = _ctx.Settings;
        try
        {
            var address = IPAddress.TryParse(s.ListenHost, out var ip) ? ip : System.Net.Dns.GetHostAddresses(s.ListenHost).First();
            Context.System.Tcp().Tell(new Tcp.Bind(Self, new IPEndPoint(address, s.Port), s.Backlog,
                s.KeepAlive ? [new KeepAliveOption(s.KeepAliveIdle, s.KeepAliveInterval, s.KeepAliveCount)] : null));
        }
        catch (Exception ex)
        {
            // An unknown host or invalid akka.io.tcp settings: an actor that fails to start gets no PostStop, so the
            // broker's start would otherwise wait for the bind for ever.
            _bound.TrySetException(new InvalidOperationException($"cannot listen on {s.ListenHost}:{s.Port}: {ex.Message}", ex));
            throw;
        }
    }

    protected override void PostStop()
    {
        _tcpListener?.Tell(Tcp.Unbind.Instance);
        _bound.TrySetCanceled();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Tcp.Bound bound:
                _tcpListener = Sender;
                _log.Info("event=listening endpoint={0}", bound.LocalAddress);
                _bound.TrySetResult(bound.LocalAddress);
                break;
            case Tcp.CommandFailed { Cmd: Tcp.Bind } failed:
                _log.Error("event=bind-failed host={0} port={1} cause={2}", _ctx.Settings.ListenHost, _ctx.Settings.Port, failed.CauseString);
                _bound.TrySetException(new InvalidOperationException(
                    $"cannot listen on {_ctx.Settings.ListenHost}:{_ctx.Settings.Port}: {(failed.Cause.HasValue ? failed.Cause.Value.Message : "bind failed")}"));
                Context.Stop(Self);
                break;
            case StopAccepting:
                _tcpListener?.Tell(Tcp.Unbind.Instance);
                _tcpListener = null;
                break;
            case Tcp.Connected connected when !_ctx.Settings.Allow.Allows(connected.RemoteAddress):
                // A peer outside gearman.allow is sent nothing and whatever it sent is dropped: it learns nothing but the close.
                Refused(connected.RemoteAddress);
                Sender.Tell(new Tcp.Register(Self, keepOpenOnPeerClosed: false, useResumeWriting: false));
                Sender.Tell(Tcp.Close.Instance);
                break;
            case Tcp.Connected connected:
                var connection = Context.ActorOf(Connection.Props(_ctx, Sender, connected.RemoteAddress));
                Sender.Tell(new Tcp.Register(connection, keepOpenOnPeerClosed: false, useResumeWriting: true));
                break;
            case FlushRefusals:
                foreach (var line in _refusals.Flush(Now())) LogRefusal(line);
                if (_refusals.IsEmpty) Timers.Cancel(FlushRefusals.Instance);
                break;
            case Tcp.ConnectionClosed or Tcp.Received:
                // A refused connection's last events (this actor is its handler until it is closed).
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Refused(EndPoint remote)
    {
        if (_refusals.Refused((remote as IPEndPoint)?.Address, Now()) is { } line) LogRefusal(line);
        // Half the interval between flushes, so that a busy address is reported within one and a half intervals;
        // the timer stops when a flush leaves nothing to remember.
        if (!Timers.IsTimerActive(FlushRefusals.Instance))
            Timers.StartPeriodicTimer(FlushRefusals.Instance, FlushRefusals.Instance, _ctx.Settings.RefusedLogInterval / 2);
    }

    private void LogRefusal(RefusalLog.Line line) =>
        _log.Warning("event=connection-refused ip={0} reason=not-in-allow-list suppressed={1}", line.Ip, line.Suppressed);

    private static TimeSpan Now() => Stopwatch.GetElapsedTime(Started);
}
