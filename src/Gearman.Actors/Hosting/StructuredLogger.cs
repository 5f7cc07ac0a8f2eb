using System.Text;
using Akka.Actor;
using Akka.Event;

namespace Gearman.Actors.Hosting;

/// <summary>
/// An Akka logger that writes one logfmt line per event (ts, level, source, msg, and error when there is one), to
/// standard error or to <c>gearman.log-file</c>, so that logs can be filtered and parsed by machines.
/// </summary>
public sealed class StructuredLogger : ReceiveActor
{
    private readonly TextWriter _out;

    public StructuredLogger()
    {
        var path = Context.System.Settings.Config.GetString("gearman.log-file", "");
        _out = string.IsNullOrEmpty(path) || path == "stderr"
            ? Console.Error
            : TextWriter.Synchronized(new StreamWriter(path, append: true) { AutoFlush = true });
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Write);
    }

    private void Write(LogEvent e)
    {
        var sb = new StringBuilder(160);
        sb.Append("ts=").Append(e.Timestamp.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
        sb.Append(" level=").Append(Level(e.LogLevel()));
        sb.Append(" source=");
        Quote(sb, e.LogSource);
        sb.Append(" msg=");
        Quote(sb, e.Message?.ToString() ?? "");
        if (e is Error { Cause: { } cause })
        {
            sb.Append(" error=");
            Quote(sb, cause.ToString());
        }
        _out.WriteLine(sb.ToString());
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "debug",
        LogLevel.InfoLevel => "info",
        LogLevel.WarningLevel => "warning",
        _ => "error",
    };

    private static void Quote(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}
