namespace Gearman.Actors.Tests.Support;

/// <summary>
/// A test that drives real Gearman client programs. When one of <paramref name="requiredTools"/> (see
/// <see cref="RealTools"/>) is missing the test is skipped with the reason — except on CI (CI=true), where it runs and
/// fails: the test body calls <see cref="RealTools.Require"/> (as <see cref="ToolProcess"/> does for every tool it
/// starts).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealClientFactAttribute : FactAttribute
{
    public RealClientFactAttribute(params string[] requiredTools)
    {
        RequiredTools = requiredTools;
        if (RealTools.IsCi) return;
        var missing = RealTools.Missing(requiredTools);
        if (missing.Count > 0) Skip = "real client missing: " + string.Join("; ", missing);
    }

    public string[] RequiredTools { get; }
}
