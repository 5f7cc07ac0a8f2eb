using System.Text;
using System.Text.RegularExpressions;
using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests;

/// <summary>
/// The examples of docs/client.md, run against the broker. The second test checks that every code block of the
/// document appears in this file unchanged (apart from indentation), so the document cannot drift from code that
/// compiles and runs.
/// </summary>
public sealed class DocExamplesTests : IClassFixture<BrokerServer>
{
    private readonly BrokerServer _broker;

    public DocExamplesTests(BrokerServer broker) => _broker = broker;

    [Fact]
    public async Task The_examples_of_the_client_guide_run()
    {
        var server = ((IGearmanServer)_broker).Address;
        var primary = $"127.0.0.1:{ServerAdmin.FreePort()}";   // nothing listens here
        var secondary = server;
        await using var failing = new GearmanWorker(server);
        failing.Register("resize", (_, _) => throw new NotSupportedException("unsupported format"));
        await failing.StartAsync().Within("the failing worker");

        // --- examples from docs/client.md, in its order ---
        await using var worker = new GearmanWorker(new GearmanWorkerOptions
        {
            Servers = { ServerAddress.Parse(server) },
            MaxConcurrentJobs = 4,
        });
        worker.Register("reverse", async (job, cancellationToken) =>
        {
            await job.SendStatusAsync(1, 2);
            var text = Encoding.UTF8.GetString(job.Payload.Span);
            return Encoding.UTF8.GetBytes(new string(text.Reverse().ToArray()));
        });
        await worker.StartAsync();

        await using var client = new GearmanClient(server);
        var result = await client.SubmitAsync("reverse", Encoding.UTF8.GetBytes("hello"));
        Console.WriteLine(Encoding.UTF8.GetString(result.Span)); // olleh
        Assert.Equal("olleh", Encoding.UTF8.GetString(result.Span));

        var job = await client.StartJobAsync("reverse", Encoding.UTF8.GetBytes("stream me"));
        await foreach (var e in job.ReadEventsAsync())
            Console.WriteLine(e); // Status 1/2
        var reversed = await job.Result;
        Assert.Equal("em maerts", Encoding.UTF8.GetString(reversed.Span));

        var handle = await client.SubmitBackgroundAsync("reverse", Encoding.UTF8.GetBytes("later"), JobPriority.Low);
        var status = await client.GetStatusAsync(handle);
        Console.WriteLine($"known={status.Known} running={status.Running} {status.Numerator}/{status.Denominator}");
        Assert.Equal(handle, status.Handle);

        string? problem = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await client.SubmitAsync("resize", Encoding.UTF8.GetBytes("image.gif"), cancellationToken: timeout.Token);
        }
        catch (GearmanJobException e)          // the worker threw; e.Payload holds its message
        {
            problem = e.Message;
        }
        catch (GearmanJobFailedException)       // WORK_FAIL
        {
            problem = "failed";
        }
        catch (GearmanConnectionLostException)  // the server went away: the job may or may not run
        {
            problem = "connection lost";
        }
        Assert.Contains("unsupported format", problem);

        await using var failover = new GearmanClient(primary, secondary);
        var echoed = await failover.EchoAsync(Encoding.UTF8.GetBytes("ping"));
        Assert.Equal("ping", Encoding.UTF8.GetString(echoed.Span));
    }

    private const string ThisFile = "tests/Gearman.Actors.Client.Tests/DocExamplesTests.cs";

    [Fact]
    public void Every_code_block_of_the_client_guide_appears_in_this_file()
    {
        var blocks = DocBlocks.CSharpBlocks(File.ReadAllText(Path.Combine(DocBlocks.RepositoryRoot(), "docs", "client.md")));
        Assert.True(blocks.Count >= 6, $"expected the guide's C# examples, found {blocks.Count} blocks");
        DocBlocks.AssertAllIn(blocks, ThisFile, "docs/client.md");
    }

    [Fact]
    public void The_client_example_of_the_readme_appears_in_this_file()
    {
        var readme = File.ReadAllText(Path.Combine(DocBlocks.RepositoryRoot(), "README.md"));
        var section = Regex.Match(readme, "## A .NET client and worker\n(.*?)\n## ", RegexOptions.Singleline);
        Assert.True(section.Success, "README.md has no section \"A .NET client and worker\"");
        var blocks = DocBlocks.CSharpBlocks(section.Groups[1].Value);
        Assert.NotEmpty(blocks);
        DocBlocks.AssertAllIn(blocks, ThisFile, "README.md");
    }
}
