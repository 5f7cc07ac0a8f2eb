using System.Diagnostics;

namespace Gearman.Actors.Tests.Support;

/// <summary>
/// Re-checks a condition until it holds or a deadline passes. Only for states that no reply announces (for example a
/// queue forgetting a finished job); each check is itself a round trip to the server, which paces the loop.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        var checks = 0;
        while (true)
        {
            checks++;
            if (await condition()) return;
            if (clock.Elapsed > limit) Assert.Fail($"{what}: still false after {checks} checks in {limit.TotalSeconds:0.#} s");
            await Task.Yield();
        }
    }
}
