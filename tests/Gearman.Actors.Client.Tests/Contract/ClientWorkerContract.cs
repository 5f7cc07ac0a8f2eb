using System.Text;
using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

/// <summary>
/// What the client and worker must do against any Gearman server. Each concrete class runs every test against
/// one server (our broker, gearmand); the tests of one class run one after another on that server.
/// Every test starts with <see cref="IGearmanServer.RequireAvailable"/>, so a missing gearmand skips them (or
/// fails them on CI).
/// </summary>
public abstract partial class ClientWorkerContract<TServer> : IAsyncLifetime where TServer : IGearmanServer
{
    private readonly List<IAsyncDisposable> _owned = new();

    protected ClientWorkerContract(TServer server) => Server = server;

    protected TServer Server { get; }

    protected static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected GearmanClient NewClient(bool receiveExceptions = true, params string[] servers)
    {
        var options = new GearmanClientOptions { ReceiveExceptions = receiveExceptions };
        foreach (var s in servers.Length == 0 ? [Server.Address] : servers) options.Servers.Add(ServerAddress.Parse(s));
        return Own(new GearmanClient(options));
    }

    /// <summary>A started worker, stopped after the test. Reconnects fast so that restart tests stay short.</summary>
    protected async Task<GearmanWorker> StartWorkerAsync(Action<GearmanWorker> register, int concurrency = 1, params string[] servers)
    {
        var options = new GearmanWorkerOptions
        {
            MaxConcurrentJobs = concurrency,
            ReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            ClientId = "contract-test",
        };
        foreach (var s in servers.Length == 0 ? [Server.Address] : servers) options.Servers.Add(ServerAddress.Parse(s));
        var worker = Own(new GearmanWorker(options));
        register(worker);
        await worker.StartAsync().Within("the worker's first connection");
        return worker;
    }

    /// <summary>A worker whose function reverses its payload.</summary>
    protected Task<GearmanWorker> StartReverserAsync(string function, int concurrency = 1, params string[] servers) =>
        StartWorkerAsync(w => w.Register(function, (job, _) =>
        {
            var reversed = job.Payload.ToArray();
            Array.Reverse(reversed);
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(reversed);
        }), concurrency, servers);

    protected T Own<T>(T disposable) where T : IAsyncDisposable
    {
        lock (_owned) _owned.Add(disposable);
        return disposable;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        List<IAsyncDisposable> owned;
        lock (_owned) owned = _owned.AsEnumerable().Reverse().ToList();
        foreach (var d in owned)
        {
            // A worker whose handler a failed test left blocked must not hang the cleanup.
            if (d is GearmanWorker w)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await w.StopAsync(limit.Token);
            }
            await d.DisposeAsync();
        }
    }
}
