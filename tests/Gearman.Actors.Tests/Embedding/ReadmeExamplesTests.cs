using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Hosting;
using Gearman.Actors.Hosting;
using Gearman.Actors.InProcess;
using Gearman.Actors.Queues;
using Gearman.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Gearman.Actors.Testing;

namespace Gearman.Actors.Tests.Embedding;

/// <summary>
/// The examples of the README's section "Embedding the broker in an Akka.NET app", run as written. The second test
/// checks that every code block of that section appears in this file unchanged (apart from indentation), so the
/// README cannot drift from code that compiles and runs (the approach of docs/client.md and its DocExamplesTests).
/// </summary>
public sealed class ReadmeExamplesTests
{
    private const string Section = "## Embedding the broker in an Akka.NET app";

    [Fact]
    public async Task The_embedding_examples_of_the_readme_run()
    {
        var gearmanPort = Ports.Free();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gearman-readme-" + Guid.NewGuid().ToString("N"));
        try
        {
            // --- examples from README.md, in its order ---
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddAkka("my-app", akka => akka
                .WithGearmanBroker(new GearmanBrokerOptions
                {
                    ListenHost = "127.0.0.1",
                    Port = gearmanPort,                  // 4730 is Gearman's port; 0 takes any free one
                    QueueType = GearmanQueueType.Sqlite, // background jobs survive a restart
                    DataDir = dataDirectory,
                }));
            builder.Services.AddGearmanBrokerApi();      // IGearmanBroker, the in-process API
            using var host = builder.Build();
            await host.StartAsync();

            var gearman = host.Services.GetRequiredService<IGearmanBroker>();
            await using var worker = gearman.RegisterWorker("reverse", (job, cancellationToken) =>
                ValueTask.FromResult(job.Payload.ToArray().Reverse().ToArray()), concurrency: 4);

            var reversed = await gearman.SubmitAsync("reverse", Encoding.UTF8.GetBytes("hello"));
            Console.WriteLine(Encoding.UTF8.GetString(reversed)); // olleh

            var handle = await gearman.SubmitBackgroundAsync("reverse", Encoding.UTF8.GetBytes("later"), Priority.Low);
            var status = await gearman.GetStatusAsync(handle);
            Console.WriteLine($"known={status.Known} running={status.Running}");
            // --- end of the examples ---

            Assert.Equal("olleh", Encoding.UTF8.GetString(reversed));
            Assert.Equal(handle, status.Handle);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "gearman.db")), "the sqlite job store was not created");
            await using (var client = await GearmanTestClient.ConnectAsync("127.0.0.1", gearmanPort))
            {
                client.Send(Cmd.EchoReq, "listening");
                Assert.Equal("listening", (await client.ExpectAsync(Cmd.EchoRes)).Text(0));
            }
            await worker.DisposeAsync();
            await host.StopAsync();
        }
        finally
        {
            try { System.IO.Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Every_code_block_of_the_readme_embedding_section_appears_in_this_file()
    {
        var readme = File.ReadAllText(Path.Combine(DocBlocks.RepositoryRoot(), "README.md"));
        var start = readme.IndexOf(Section + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section \"{Section}\"");
        var end = readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var blocks = DocBlocks.CSharpBlocks(end < 0 ? readme[start..] : readme[start..end]);
        Assert.Equal(2, blocks.Count);
        DocBlocks.AssertAllIn(blocks, "tests/Gearman.Actors.Tests/Embedding/ReadmeExamplesTests.cs", "README.md");
    }
}
