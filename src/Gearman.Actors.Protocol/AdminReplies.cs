using System.Text;

namespace Gearman.Actors.Protocol;

/// <summary>Byte-exact admin replies as gearmand writes them (libgearman-server/text.cc).</summary>
/// <remarks>gearmand mixes line endings: listings end in "\n", OK/ERR replies in "\r\n"; clients match on that.</remarks>
public static class AdminReplies
{
    public const string Ok = "OK\r\n";
    public const string End = ".\n";
    public const string UnknownJob = "ERR UNKNOWN_JOB\r\n";
    public const string UnknownShowArguments = "ERR UNKNOWN_SHOW_ARGUMENTS\r\n";
    public const string FunctionNotFound = "ERR function not found\r\n";
    public const string FunctionBusy = "ERR there are still connected workers or executing clients\r\n";
    public const string LineTooLong = "ERR INVALID_ARGUMENTS Line+too+long\r\n";
    public const string UnknownError = "ERR UNKNOWN_ERROR\r\n";
    /// <summary>Ours: gearmand lets every connection run every admin command.</summary>
    public const string PermissionDenied = "ERR PERMISSION_DENIED Administrative+commands+are+not+allowed+from+this+address\r\n";
    public const string Unavailable = "ERR UNKNOWN_ERROR No+answer+from+the+function's+queue+in+time\r\n";

    public static string UnknownCommand(string word) => $"ERR UNKNOWN_COMMAND Unknown+server+command{word}\r\n";

    public static string IncompleteArguments(string command) =>
        $"ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+{command}\r\n";

    public static string Version(string version) => $"OK {version}\n";
    public static string Pid(int pid) => $"OK {pid}\n";
    public static string Verbose(string level) => $"OK {level}\n";

    public static void AppendStatus(StringBuilder sb, string function, long total, long running, int workers) =>
        sb.Append(function).Append('\t').Append(total).Append('\t').Append(running).Append('\t').Append(workers).Append('\n');

    public static void AppendPriorityStatus(StringBuilder sb, string function, long high, long normal, long low, int workers) =>
        sb.Append(function).Append('\t').Append(high).Append('\t').Append(normal).Append('\t').Append(low).Append('\t')
          .Append(workers).Append('\n');

    public static void AppendWorker(StringBuilder sb, long fd, string ip, string clientId, IEnumerable<string> functions)
    {
        sb.Append(fd).Append(' ').Append(ip).Append(' ').Append(clientId).Append(" :");
        foreach (var f in functions) sb.Append(' ').Append(f);
        sb.Append('\n');
    }

    public static void AppendJob(StringBuilder sb, string handle, int retries, bool ignored, bool background) =>
        sb.Append(handle).Append('\t').Append(retries).Append('\t').Append(ignored ? 1 : 0).Append('\t')
          .Append(background ? 1 : 0).Append('\n');
}
