using System.Text;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>Byte-exact admin replies, as gearmand's text.cc writes them (mixed "\n" and "\r\n" endings).</summary>
public class AdminRepliesTests
{
    [Fact]
    public void Constant_replies_are_exact()
    {
        Assert.Equal("OK\r\n", AdminReplies.Ok);
        Assert.Equal(".\n", AdminReplies.End);
        Assert.Equal("ERR UNKNOWN_JOB\r\n", AdminReplies.UnknownJob);
        Assert.Equal("ERR UNKNOWN_SHOW_ARGUMENTS\r\n", AdminReplies.UnknownShowArguments);
        Assert.Equal("ERR function not found\r\n", AdminReplies.FunctionNotFound);
        Assert.Equal("ERR there are still connected workers or executing clients\r\n", AdminReplies.FunctionBusy);
        Assert.Equal("ERR INVALID_ARGUMENTS Line+too+long\r\n", AdminReplies.LineTooLong);
    }

    [Fact]
    public void Unknown_command_appends_the_word_without_separator()
    {
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandfrobnicate\r\n", AdminReplies.UnknownCommand("frobnicate"));
        Assert.Equal("ERR UNKNOWN_COMMAND Unknown+server+commandFROB\r\n", AdminReplies.UnknownCommand("FROB"));
    }

    [Fact]
    public void Incomplete_arguments_names_the_command()
    {
        Assert.Equal(
            "ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+maxqueue\r\n",
            AdminReplies.IncompleteArguments("maxqueue"));
    }

    [Fact]
    public void Version_pid_and_verbose_end_in_bare_LF()
    {
        Assert.Equal("OK 1.1.20+ds\n", AdminReplies.Version("1.1.20+ds"));
        Assert.Equal("OK 4242\n", AdminReplies.Pid(4242));
        Assert.Equal("OK ERROR\n", AdminReplies.Verbose("ERROR"));
    }

    [Fact]
    public void Status_line_is_tab_separated()
    {
        var sb = new StringBuilder();
        AdminReplies.AppendStatus(sb, "reverse", 5, 2, 3);
        AdminReplies.AppendStatus(sb, "empty", 0, 0, 0);
        sb.Append(AdminReplies.End);

        Assert.Equal("reverse\t5\t2\t3\nempty\t0\t0\t0\n.\n", sb.ToString());
    }

    [Fact]
    public void Status_line_uses_invariant_digits_for_large_counts()
    {
        var sb = new StringBuilder();
        AdminReplies.AppendStatus(sb, "f", 12345678901L, 1000000, 1000);

        Assert.Equal("f\t12345678901\t1000000\t1000\n", sb.ToString());
    }

    [Fact]
    public void Priority_status_line_is_tab_separated()
    {
        var sb = new StringBuilder();
        AdminReplies.AppendPriorityStatus(sb, "reverse", 1, 2, 3, 4);

        Assert.Equal("reverse\t1\t2\t3\t4\n", sb.ToString());
    }

    [Fact]
    public void Worker_line_lists_functions_after_a_colon()
    {
        var sb = new StringBuilder();
        AdminReplies.AppendWorker(sb, 38, "127.0.0.1", "-", Array.Empty<string>());
        AdminReplies.AppendWorker(sb, 39, "10.0.0.2", "worker-7", new[] { "reverse", "upper" });

        Assert.Equal("38 127.0.0.1 - :\n39 10.0.0.2 worker-7 : reverse upper\n", sb.ToString());
    }

    [Fact]
    public void Job_line_has_handle_retries_ignore_and_queued_flags()
    {
        var sb = new StringBuilder();
        AdminReplies.AppendJob(sb, "H:vm:1", 0, false, true);
        AdminReplies.AppendJob(sb, "H:vm:2", 3, true, false);

        Assert.Equal("H:vm:1\t0\t0\t1\nH:vm:2\t3\t1\t0\n", sb.ToString());
    }
}
