using Gearman.Actors.Tests.Support;
using static Gearman.Actors.Testing.RealTools;

namespace Gearman.Actors.Tests.RealClients;

/// <summary>PHP GearmanClient and GearmanWorker (libgearman through php-gearman) against the broker.</summary>
[Collection(BrokerCollection.Name)]
public sealed class PhpClientTests : BrokerTest
{
    public PhpClientTests(BrokerFixture fx) : base(fx) { }

    private string Port => Fx.Port.ToString();

    private static string[] Lines(ToolResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [RealClientFact(Php)]
    public async Task Php_do_background_job_status_and_do_normal_against_a_php_worker()
    {
        Require(Php);
        var f = NewName("php");

        // No worker yet: the background job is known and waiting.
        var bg = (await ToolProcess.RunAsync(Php, Scripts.PhpClient, Fx.Host, Port, "background", f, "bg-payload")).Succeeded();
        var lines = Lines(bg);
        Assert.StartsWith("handle:H:", lines[0]);
        var handle = lines[0]["handle:".Length..];
        Assert.Equal("status:[true,false,0,0]", lines[1]);

        using var worker = ToolProcess.Start(Php, Scripts.PhpWorker, Fx.Host, Port, f, "2");
        var normal = (await ToolProcess.RunAsync(Php, Scripts.PhpClient, Fx.Host, Port, "normal", f, "hello")).Succeeded();
        Assert.Equal(new[] { "rc:0", "result:olleh" }, Lines(normal));

        // The worker ran both jobs (the background one first) and left.
        Assert.Contains("worker done 2", (await worker.WaitAsync()).Succeeded().Stdout);
        await WaitUntilForgottenAsync(await ConnectAsync("admin"), handle);
        var after = (await ToolProcess.RunAsync(Php, Scripts.PhpClient, Fx.Host, Port, "status", handle)).Succeeded();
        Assert.Equal(new[] { "status:[false,false,0,0]" }, Lines(after));
    }

    [RealClientFact(Php)]
    public async Task Php_run_tasks_gets_every_result()
    {
        Require(Php);
        var f = NewName("php-tasks");
        const int tasks = 4;
        using var worker = ToolProcess.Start(Php, Scripts.PhpWorker, Fx.Host, Port, f, tasks.ToString());
        var run = (await ToolProcess.RunAsync(Php, Scripts.PhpClient, Fx.Host, Port, "tasks", f, tasks.ToString())).Succeeded();
        var expected = Enumerable.Range(1, tasks).Select(i => $"r:{i}:{new string($"item-{i}".Reverse().ToArray())}").Prepend("run:true");
        Assert.Equal(expected, Lines(run));
        (await worker.WaitAsync()).Succeeded();
    }

    [RealClientFact(Php)]
    public async Task Php_client_gets_status_and_data_from_a_raw_protocol_worker()
    {
        Require(Php);
        var f = NewName("php-raw");
        var w = await ConnectAsync("raw-worker");
        await w.RegisterIdleAsync(f);
        w.Sleep();
        using var client = ToolProcess.Start(Php, Scripts.PhpClient, Fx.Host, Port, "normal", f, "abc");
        await w.ExpectAsync(Cmd.Noop);
        var job = await w.GrabAsync();
        Assert.Equal("abc", job.Text(2));
        w.Send(Cmd.WorkData, job.Text(0), "data;");
        w.Send(Cmd.WorkComplete, job.Text(0), "end");
        // libgearman's doNormal concatenates WORK_DATA with the final result.
        var result = (await client.WaitAsync()).Succeeded();
        Assert.Equal(new[] { "rc:0", "result:data;end" }, Lines(result));
    }
}
