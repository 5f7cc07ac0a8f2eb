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

    [Theory]
    [InlineData("show")]
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
    [InlineData("cancel job ")]
    [InlineData("cancel")]
    [InlineData("cancel jobs H:vm:1")]
    public void Cancel_without_job_and_handle_is_unknown_command_cancel(string line)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal("cancel", cmd.Word);
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandcancel\r\n", AdminReplies.UnknownCommand(cmd.Word));
    }

    [Fact]
    public void Create_function()
    {
        AssertParsed("create function reverse", AdminVerb.CreateFunction, "create", "reverse");
        AssertParsed("Create Function Reverse", AdminVerb.CreateFunction, "Create", "Reverse");
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
    [InlineData("drop function", "drop")]
    [InlineData("drop", "drop")]
    public void Create_or_drop_without_function_name_is_not_the_verb(string line, string word)
    {
        var cmd = AdminCommand.Parse(line);
        Assert.Equal(AdminVerb.Unknown, cmd.Verb);
        Assert.Equal(word, cmd.Word);
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
