using CsCheck;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>
/// <see cref="AdminCommand.Parse"/> compares words as spans; it must agree with the plain reading of the rules:
/// split on single spaces, first word case-insensitively, arguments as the remaining words.
/// </summary>
public class AdminCommandPropertyTests
{
    private static AdminCommand Reference(string line)
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
        if (Is(word, "show") && rest.Length >= 1)
        {
            if (At(0) is { } a0 && Is(a0, "jobs") && rest.Length == 1) return Make(AdminVerb.ShowJobs, 1);
            if (At(0) is { } b0 && Is(b0, "unique") && At(1) is { } b1 && Is(b1, "jobs") && rest.Length == 2) return Make(AdminVerb.ShowUniqueJobs, 2);
            return Make(AdminVerb.ShowUnknown);
        }
        if (Is(word, "cancel") && rest.Length >= 2)
            return Is(rest[0], "job") && rest.Length == 2 ? new AdminCommand(AdminVerb.CancelJob, word, [rest[1]]) : Make(AdminVerb.UnknownError);
        if (Is(word, "create"))
            return rest.Length == 2 && Is(rest[0], "function") ? new AdminCommand(AdminVerb.CreateFunction, word, [rest[1]]) : Make(AdminVerb.IncompleteArguments);
        if (Is(word, "drop"))
            return rest.Length == 2 && Is(rest[0], "function") ? new AdminCommand(AdminVerb.DropFunction, word, [rest[1]]) : Make(AdminVerb.IncompleteArguments);
        return new AdminCommand(AdminVerb.Unknown, word, rest);
    }

    private static readonly string[] Words =
    [
        "", "", "status", "STATUS", "workers", "prioritystatus", "maxqueue", "version", "getpid", "verbose", "show",
        "Show", "jobs", "JOBS", "unique", "cancel", "job", "create", "drop", "function", "f", "10", "-1", "H:host:1", "x\ty",
    ];

    private static readonly Gen<string> WordGen = Gen.Int[0, Words.Length - 1].Select(i => Words[i]);

    private static readonly Gen<string> LineGen = WordGen.Array[1, 6].Select(words => string.Join(" ", words));

    [Fact]
    public void Parse_agrees_with_the_split_reading()
    {
        LineGen.Sample(line =>
        {
            var expected = Reference(line);
            var actual = AdminCommand.Parse(line);
            return expected.Verb == actual.Verb && expected.Word == actual.Word && expected.Args.SequenceEqual(actual.Args);
        }, iter: 20_000);
    }
}
