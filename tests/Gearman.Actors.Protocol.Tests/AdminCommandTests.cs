using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests;

public class AdminCommandTests
{
    private static void AssertParsed(string line, AdminVerb verb, string word, params string[] args)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(verb, cmd.Verb);
        Assert.Equal(word, cmd.Word);
        Assert.Equal(args, cmd.Args);
    }

    [Theory]
    [InlineData("workers", AdminVerb.Workers)]
    [InlineData("status", AdminVerb.Status)]
    [InlineData("prioritystatus", AdminVerb.PriorityStatus)]
    [InlineData("version", AdminVerb.Version)]
    [InlineData("getpid", AdminVerb.GetPid)]
    [InlineData("verbose", AdminVerb.Verbose)]
    [InlineData("maxqueue", AdminVerb.MaxQueue)]
    public void Single_word_verbs(string line, AdminVerb verb) => AssertParsed(line, verb, line);

    [Theory]
    [InlineData("WORKERS", AdminVerb.Workers)]
    [InlineData("Status", AdminVerb.Status)]
    [InlineData("PriorityStatus", AdminVerb.PriorityStatus)]
    [InlineData("VERSION", AdminVerb.Version)]
    [InlineData("GetPid", AdminVerb.GetPid)]
    [InlineData("vErBoSe", AdminVerb.Verbose)]
    public void Verbs_are_case_insensitive_and_the_word_keeps_its_case(string line, AdminVerb verb) => AssertParsed(line, verb, line);

    [Fact]
    public void Maxqueue_with_one_limit()
    {
        AssertParsed("maxqueue reverse 10", AdminVerb.MaxQueue, "maxqueue", "reverse", "10");
    }

    [Fact]
    public void Maxqueue_with_three_priority_limits()
    {
        AssertParsed("MAXQUEUE reverse 1 2 3", AdminVerb.MaxQueue, "MAXQUEUE", "reverse", "1", "2", "3");
    }

    [Fact]
    public void Maxqueue_with_only_a_function_or_nothing()
    {
        AssertParsed("maxqueue reverse", AdminVerb.MaxQueue, "maxqueue", "reverse");
        AssertParsed("maxqueue", AdminVerb.MaxQueue, "maxqueue");
    }

    [Fact]
    public void Maxqueue_negative_limit_is_passed_through()
    {
        AssertParsed("maxqueue f -1", AdminVerb.MaxQueue, "maxqueue", "f", "-1");
    }

    [Theory]
    [InlineData("show jobs")]
    [InlineData("SHOW JOBS")]
    [InlineData("Show Jobs")]
    public void Show_jobs(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.ShowJobs, cmd.Verb);
        Assert.Empty(cmd.Args);
    }

    [Theory]
    [InlineData("show unique jobs")]
    [InlineData("SHOW UNIQUE JOBS")]
    [InlineData("show Unique jobs")]
    public void Show_unique_jobs(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.ShowUniqueJobs, cmd.Verb);
        Assert.Empty(cmd.Args);
    }

    [Fact]
    public void The_first_word_ends_at_a_NUL_as_in_gearmand()
    {
        Assert.Equal(AdminVerb.Version, AdminCommand.Parse("version\0REQ\0\0\0\u0010").Verb);
        var cmd = AdminCommand.Parse("frob\0nicate");
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("frob", cmd.Word);
    }

    [Fact]
    public void Show_alone_is_an_unknown_command()
    {
        // gearmand's text.cc recognises "show" only with a second word.
        var cmd = AdminCommand.Parse("show");
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandshow\r\n", AdminReplies.UnknownCommand(cmd.Word));
    }

    [Theory]
    [InlineData("show job")]
    [InlineData("show workers")]
    [InlineData("show unique")]
    [InlineData("show unique job")]
    [InlineData("show jobs now")]
    [InlineData("show jobsx")]
    public void Show_with_anything_else_is_ShowUnknown(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.ShowUnknown, cmd.Verb);
        Assert.Equal("show", cmd.Word);
    }

    [Fact]
    public void Show_unique_jobs_with_an_extra_word_is_ShowUnknown()
    {
        // gearmand accepts "show unique jobs" only with exactly three words (text.cc: packet->argc == 3),
        // just as it accepts "show jobs" only with exactly two, which the parser already enforces.
        Assert.Equal(AdminVerb.ShowUnknown, AdminCommand.Parse("show unique jobs extra").Verb);
    }

    [Fact]
    public void Cancel_job_with_a_handle()
    {
        AssertParsed("cancel job H:vm:42", AdminVerb.CancelJob, "cancel", "H:vm:42");
        AssertParsed("CANCEL JOB H:vm:42", AdminVerb.CancelJob, "CANCEL", "H:vm:42");
    }

    [Fact]
    public void Cancel_job_keeps_the_handle_case()
    {
        AssertParsed("cancel job h:VM:1", AdminVerb.CancelJob, "cancel", "h:VM:1");
    }

    [Theory]
    [InlineData("cancel job")]
    [InlineData("cancel")]
    public void Cancel_without_job_and_handle_is_unknown_command_cancel(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("cancel", cmd.Word);
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandcancel\r\n", AdminReplies.UnknownCommand(cmd.Word));
    }

    [Theory]
    [InlineData("cancel jobs H:vm:1")]
    [InlineData("cancel job H:vm:1 extra")]
    public void Cancel_with_three_words_or_more_in_another_form_is_an_unknown_error(string line)
    {
        // gearmand's text.cc takes these as "cancel" but writes nothing for them, which it answers with UNKNOWN_ERROR.
        Assert.Equal(AdminVerb.UnknownError, AdminCommand.Parse(line).Verb);
        Assert.Equal("ERR UNKNOWN_ERROR\r\n", AdminReplies.UnknownError);
    }

    [Fact]
    public void Cancel_job_with_an_empty_handle_looks_for_that_handle()
    {
        // A trailing space makes gearmand's third word empty; no job has that handle, so it answers UNKNOWN_JOB.
        AssertParsed("cancel job ", AdminVerb.CancelJob, "cancel", "");
    }

    [Fact]
    public void Create_function()
    {
        AssertParsed("create function reverse", AdminVerb.CreateFunction, "create", "reverse");
        AssertParsed("Create Function Reverse", AdminVerb.CreateFunction, "Create", "Reverse");
    }

    [Fact]
    public void Create_and_drop_take_an_empty_function_name_as_gearmand_does()
    {
        AssertParsed("create function ", AdminVerb.CreateFunction, "create", "");
        AssertParsed("drop function ", AdminVerb.DropFunction, "drop", "");
    }

    [Fact]
    public void Drop_function()
    {
        AssertParsed("drop function reverse", AdminVerb.DropFunction, "drop", "reverse");
        AssertParsed("DROP FUNCTION reverse", AdminVerb.DropFunction, "DROP", "reverse");
    }

    [Theory]
    [InlineData("create function", "create")]
    [InlineData("create", "create")]
    [InlineData("create func f", "create")]
    [InlineData("create function f extra", "create")]
    [InlineData("CREATE function", "CREATE")]
    [InlineData("drop function", "drop")]
    [InlineData("drop", "drop")]
    [InlineData("drop function f extra", "drop")]
    public void Create_or_drop_in_any_other_form_has_incomplete_arguments(string line, string word)
    {
        // gearmand's text.cc: create and drop want exactly "function NAME", and name the command as it was typed.
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.IncompleteArguments, cmd.Verb);
        Assert.Equal(word, cmd.Word);
        Assert.Equal($"ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+{word}\r\n",
            AdminReplies.IncompleteArguments(cmd.Word));
    }

    [Fact]
    public void Unknown_word_keeps_word_and_arguments()
    {
        AssertParsed("frobnicate a b", AdminVerb.Unknown, "frobnicate", "a", "b");
        AssertParsed("FROBNICATE", AdminVerb.Unknown, "FROBNICATE");
    }

    [Theory]
    [InlineData("shutdown")]
    [InlineData("shutdown graceful")]
    [InlineData("workerz")]
    [InlineData("statuses")]
    [InlineData("stat")]
    [InlineData("jobs")]
    [InlineData("function")]
    public void Words_that_are_not_verbs_are_unknown(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal(line.Split(' ')[0], cmd.Word);
    }

    [Fact]
    public void Empty_line_is_unknown_with_an_empty_word()
    {
        var cmd = AdminCommand.Parse("");
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("", cmd.Word);
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+command\r\n", AdminReplies.UnknownCommand(cmd.Word));
    }

    [Fact]
    public void Tab_is_not_a_separator()
    {
        var cmd = AdminCommand.Parse("status\tx");
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("status\tx", cmd.Word);
    }

    [Fact]
    public void Extra_words_after_a_listing_verb_are_ignored_for_the_verb()
    {
        Assert.Equal(AdminVerb.Workers, AdminCommand.Parse("workers please").Verb);
        Assert.Equal(AdminVerb.Status, AdminCommand.Parse("status now").Verb);
    }
}
