namespace Gearman.Actors.Tests.Support;

/// <summary>
/// Base of the TCP test classes: opens connections to the shared broker and closes them after each test.
/// Concrete classes carry <c>[Collection(BrokerCollection.Name)]</c>.
/// </summary>
public abstract class BrokerTest : IDisposable
{
    private readonly List<GearmanTestClient> _clients = new();

    protected BrokerTest(BrokerFixture fixture) => Fx = fixture;

    protected BrokerFixture Fx { get; }

    protected static string NewName(string prefix) => BrokerFixture.NewName(prefix);

    protected async Task<GearmanTestClient> ConnectAsync(string name = "conn")
    {
        var c = await Fx.ConnectAsync(name);
        lock (_clients) _clients.Add(c);
        return c;
    }

    /// <summary>The `status` line of one function as (total, running, workers), or null when it is not listed.</summary>
    protected static async Task<(int Total, int Running, int Workers)?> StatusOfAsync(GearmanTestClient admin, string function)
    {
        foreach (var line in await admin.AdminListAsync("status"))
        {
            var f = line.Split('\t');
            Assert.Equal(4, f.Length);
            if (f[0] == function) return (int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]));
        }
        return null;
    }

    /// <summary>
    /// Waits until `show jobs` no longer lists the handle. It asks the queues only (never a running job), so it is a
    /// safe way to wait for a finished job to be forgotten.
    /// </summary>
    protected static Task WaitUntilForgottenAsync(GearmanTestClient admin, string handle) =>
        Eventually.TrueAsync(async () => !(await admin.AdminListAsync("show jobs")).Any(l => l.StartsWith(handle + "\t")),
            $"job {handle} leaves `show jobs`");

    public virtual void Dispose()
    {
        lock (_clients)
        {
            foreach (var c in _clients) c.Dispose();
            _clients.Clear();
        }
        GC.SuppressFinalize(this);
    }
}
