namespace Gearman.Actors.Protocol;

public enum AdminVerb : byte
{
    Unknown,
    Workers,
    Status,
    PriorityStatus,
    MaxQueue,
    ShowJobs,
    ShowUniqueJobs,
    ShowUnknown,
    CancelJob,
    CreateFunction,
    DropFunction,
    Version,
    GetPid,
    Verbose,
    /// <summary>create or drop in another form than "function NAME": gearmand's INVALID_ARGUMENTS.</summary>
    IncompleteArguments,
    /// <summary>cancel with the wrong words: gearmand writes nothing for it, which it answers with UNKNOWN_ERROR.</summary>
    UnknownError,
}

/// <summary>
/// One admin text command. gearmand splits the line on single spaces and matches the words case-insensitively
/// (libgearman-server/text.cc); <see cref="Word"/> keeps the first word for the "unknown command" reply.
/// </summary>
public sealed record AdminCommand(AdminVerb Verb, string Word, IReadOnlyList<string> Args)
{
    // The argument-less commands that monitoring tools poll, parsed once. A record is immutable, so one instance
    // can be handed out any number of times.
    private static readonly AdminCommand[] Common =
    [
        new(AdminVerb.Status, "status", Array.Empty<string>()),
        new(AdminVerb.Workers, "workers", Array.Empty<string>()),
        new(AdminVerb.PriorityStatus, "prioritystatus", Array.Empty<string>()),
        new(AdminVerb.Version, "version", Array.Empty<string>()),
        new(AdminVerb.GetPid, "getpid", Array.Empty<string>()),
        new(AdminVerb.Verbose, "verbose", Array.Empty<string>()),
    ];

    /// <summary>
    /// Parses one line. Words are compared as spans; only the first word (when the line has more than one) and
    /// the arguments the command keeps become strings.
    /// </summary>
    public static AdminCommand Parse(string line)
    {
        foreach (var common in Common)
            if (string.Equals(line, common.Word, StringComparison.Ordinal)) return common;

        var space = line.IndexOf(' ');
        var word = space < 0 ? line : KnownWord(line.AsSpan(0, space)) ?? line[..space];
        // gearmand compares the first word as a C string: "version\0…" is "version".
        if (word.IndexOf('\0') is var nul and >= 0) word = word[..nul];
        // Everything after the first space, split on single spaces (so "a  b" has an empty word between a and b).
        var restStart = space < 0 ? line.Length : space + 1;
        var restCount = space < 0 ? 0 : line.AsSpan(restStart).Count(' ') + 1;
        ReadOnlySpan<char> Rest() => line.AsSpan(restStart);

        static bool Is(ReadOnlySpan<char> w, string expected) => w.Equals(expected, StringComparison.OrdinalIgnoreCase);
        bool At(int i, string expected) => i < restCount && Is(WordAt(Rest(), i), expected);

        AdminCommand Make(AdminVerb verb, int skip = 0) => new(verb, word, Words(Rest(), restCount, skip, keepEmpty: false));
        // A verb whose one argument is the word after its second, kept even when empty.
        AdminCommand Named(AdminVerb verb) => new(verb, word, [WordAt(Rest(), 1).ToString()]);

        var w0 = word.AsSpan();
        if (Is(w0, "workers")) return Make(AdminVerb.Workers);
        if (Is(w0, "status")) return Make(AdminVerb.Status);
        if (Is(w0, "prioritystatus")) return Make(AdminVerb.PriorityStatus);
        if (Is(w0, "maxqueue")) return Make(AdminVerb.MaxQueue);
        if (Is(w0, "version")) return Make(AdminVerb.Version);
        if (Is(w0, "getpid")) return Make(AdminVerb.GetPid);
        if (Is(w0, "verbose")) return Make(AdminVerb.Verbose);
        // gearmand's text.cc: "show" and "cancel" need their second word to be recognised at all; "create" and
        // "drop" are, and answer a wrong form with INVALID_ARGUMENTS.
        if (Is(w0, "show") && restCount >= 1)
        {
            if (At(0, "jobs") && restCount == 1) return Make(AdminVerb.ShowJobs, 1);
            if (At(0, "unique") && At(1, "jobs") && restCount == 2) return Make(AdminVerb.ShowUniqueJobs, 2);
            return Make(AdminVerb.ShowUnknown);
        }
        if (Is(w0, "cancel") && restCount >= 2)
            return restCount == 2 && At(0, "job") ? Named(AdminVerb.CancelJob) : Make(AdminVerb.UnknownError);
        // The name may be empty ("create function " names the function ""), as gearmand takes it.
        if (Is(w0, "create"))
            return restCount == 2 && At(0, "function") ? Named(AdminVerb.CreateFunction) : Make(AdminVerb.IncompleteArguments);
        if (Is(w0, "drop"))
            return restCount == 2 && At(0, "function") ? Named(AdminVerb.DropFunction) : Make(AdminVerb.IncompleteArguments);
        return new AdminCommand(AdminVerb.Unknown, word, Words(Rest(), restCount, 0, keepEmpty: true));
    }

    private static readonly string[] Verbs =
        ["workers", "status", "prioritystatus", "maxqueue", "version", "getpid", "verbose", "show", "cancel", "create", "drop"];

    /// <summary>The shared string for a verb written in lower case, as tools send them; null for anything else.</summary>
    private static string? KnownWord(ReadOnlySpan<char> word)
    {
        foreach (var verb in Verbs)
            if (word.SequenceEqual(verb)) return verb;
        return null;
    }

    /// <summary>Word <paramref name="index"/> of <paramref name="words"/> (split on single spaces).</summary>
    private static ReadOnlySpan<char> WordAt(ReadOnlySpan<char> words, int index)
    {
        for (var i = 0; i < index; i++) words = words[(words.IndexOf(' ') + 1)..];
        var end = words.IndexOf(' ');
        return end < 0 ? words : words[..end];
    }

    /// <summary>The words from <paramref name="skip"/> on as strings, optionally without the empty ones.</summary>
    private static string[] Words(ReadOnlySpan<char> words, int count, int skip, bool keepEmpty)
    {
        if (skip >= count) return Array.Empty<string>();
        for (var i = 0; i < skip; i++) words = words[(words.IndexOf(' ') + 1)..];
        var kept = 0;
        var scan = words;
        for (var i = skip; i < count; i++)
        {
            var end = scan.IndexOf(' ');
            var w = end < 0 ? scan : scan[..end];
            if (keepEmpty || !w.IsEmpty) kept++;
            scan = end < 0 ? ReadOnlySpan<char>.Empty : scan[(end + 1)..];
        }
        if (kept == 0) return Array.Empty<string>();
        var result = new string[kept];
        var at = 0;
        for (var i = skip; i < count; i++)
        {
            var end = words.IndexOf(' ');
            var w = end < 0 ? words : words[..end];
            if (keepEmpty || !w.IsEmpty) result[at++] = w.ToString();
            words = end < 0 ? ReadOnlySpan<char>.Empty : words[(end + 1)..];
        }
        return result;
    }
}
