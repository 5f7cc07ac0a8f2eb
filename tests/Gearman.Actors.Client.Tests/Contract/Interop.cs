using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

// Other Gearman implementations on the other end: PHP and Perl clients, the gearman command-line worker.
public abstract partial class ClientWorkerContract<TServer>
{
    private static string[] Lines(ToolResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [SkippableFact]
    public async Task A_php_client_runs_a_job_on_a_dotnet_worker()
    {
        Server.RequireAvailable();
        RealTools.Require(RealTools.Php);
        var f = NewName("php");
        await StartReverserAsync(f);

        var run = (await ToolProcess.RunAsync(RealTools.Php, Scripts.PhpClient, Server.Host, Server.Port.ToString(), f, "hello")).Succeeded();

        Assert.Equal(new[] { "rc:0", "result:olleh" }, Lines(run));
    }

    [SkippableFact]
    public async Task A_perl_client_runs_a_job_on_a_dotnet_worker()
    {
        Server.RequireAvailable();
        RealTools.Require(RealTools.Perl);
        var f = NewName("perl");
        await StartReverserAsync(f);

        var run = (await ToolProcess.RunAsync(RealTools.Perl, Scripts.PerlClient, Server.Host, Server.Port.ToString(), f, "hello")).Succeeded();

        Assert.Equal(new[] { "result:olleh" }, Lines(run));
    }

    [SkippableFact]
    public async Task A_dotnet_client_runs_a_job_on_the_gearman_command_line_worker()
    {
        Server.RequireAvailable();
        RealTools.Require(RealTools.Gearman);
        var f = NewName("cli");
        // -c 1: the worker leaves after one job. Its job runs `tr`, which upper-cases the payload.
        using var worker = ToolProcess.Start(RealTools.Gearman,
            "-h", Server.Host, "-p", Server.Port.ToString(), "-w", "-c", "1", "-f", f, "--", "tr", "a-z", "A-Z");

        var result = await NewClient().SubmitAsync(f, Bytes("hello")).Within("the CLI worker's result");

        Assert.Equal("HELLO", Text(result));
        (await worker.WaitAsync()).Succeeded();
    }
}
