using System.Diagnostics;

namespace Gearman.Actors.Client.Tests.Support;

/// <summary>
/// Bounds for awaits. Tests wait on events (tasks, TaskCompletionSource); these only turn a hang into a failure,
/// so they are generous: the machine has two cores shared with other builds.
/// </summary>
public static class Waits
{
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>Awaits <paramref name="task"/>, failing the test with <paramref name="what"/> if it takes too long.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what, TimeSpan? limit = null)
    {
        try { return await task.WaitAsync(limit ?? Long); }
        catch (TimeoutException) { throw new TimeoutException($"timed out waiting for {what}"); }
    }

    public static async Task Within(this Task task, string what, TimeSpan? limit = null)
    {
        try { await task.WaitAsync(limit ?? Long); }
        catch (TimeoutException) { throw new TimeoutException($"timed out waiting for {what}"); }
    }

    /// <summary>
    /// Re-asks the server until a condition holds. Only for states no packet announces (a queue forgetting a finished
    /// job); every check is a round trip, which paces the loop.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Long) Assert.Fail($"{what}: still false after {Long.TotalSeconds:0} s");
        }
    }
}
