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
}

/// <summary>
/// One admin text command. gearmand splits the line on single spaces and matches the words case-insensitively
/// (libgearman-server/text.cc); <see cref="Word"/> keeps the first word for the "unknown command" reply.
/// </summary>
public sealed record AdminCommand(AdminVerb Verb, string Word, IReadOnlyList<string> Args)
{
    public static AdminCommand Parse(string line)
    {
        var words = line.Split(' ');
        var word = words[0];
        var rest = words.Length > 1 ? words[1..] : Array.Empty<string>();
        bool Is(string w, string expected) => string.Equals(w, expected, StringComparison.OrdinalIgnoreCase);
        string? At(int i) => i < rest.Length ? rest[i] : null;

        AdminCommand Make(AdminVerb verb, int skip = 0) =>
            new(verb, word, skip <= rest.Length ? rest[skip..].Where(a => a.Length > 0).ToArray() : Array.Empty<string>());

        if (Is(word, "workers")) return Make(AdminVerb.Workers);
        if (Is(word, "status")) return Make(AdminVerb.Status);
        if (Is(word, "prioritystatus")) return Make(AdminVerb.PriorityStatus);
        if (Is(word, "maxqueue")) return Make(AdminVerb.MaxQueue);
        if (Is(word, "version")) return Make(AdminVerb.Version);
        if (Is(word, "getpid")) return Make(AdminVerb.GetPid);
        if (Is(word, "verbose")) return Make(AdminVerb.Verbose);
        if (Is(word, "show"))
        {
            if (At(0) is { } a0 && Is(a0, "jobs") && rest.Length == 1) return Make(AdminVerb.ShowJobs, 1);
            if (At(0) is { } b0 && Is(b0, "unique") && At(1) is { } b1 && Is(b1, "jobs") && rest.Length == 2) return Make(AdminVerb.ShowUniqueJobs, 2);
            return Make(AdminVerb.ShowUnknown);
        }
        if (Is(word, "cancel") && At(0) is { } c0 && Is(c0, "job") && At(1) is { Length: > 0 }) return Make(AdminVerb.CancelJob, 1);
        if (Is(word, "create") && At(0) is { } d0 && Is(d0, "function") && At(1) is { Length: > 0 }) return Make(AdminVerb.CreateFunction, 1);
        if (Is(word, "drop") && At(0) is { } e0 && Is(e0, "function") && At(1) is { Length: > 0 }) return Make(AdminVerb.DropFunction, 1);
        return new AdminCommand(AdminVerb.Unknown, word, rest);
    }
}
