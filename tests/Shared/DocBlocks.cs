using System.Text.RegularExpressions;

namespace Gearman.Actors.Testing;

/// <summary>
/// Keeps documentation honest: the C# blocks of a Markdown text must appear, line for line (indentation aside), in
/// a test file that compiles and runs them.
/// </summary>
public static class DocBlocks
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gearman.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Gearman.Actors.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The bodies of the ```csharp blocks of <paramref name="markdown"/>.</summary>
    public static List<string> CSharpBlocks(string markdown) =>
        Regex.Matches(markdown, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

    /// <summary>Fails unless every block occurs in <paramref name="sourceFile"/> (a path below the repository root).</summary>
    public static void AssertAllIn(IEnumerable<string> blocks, string sourceFile, string documentName)
    {
        var source = File.ReadAllLines(Path.Combine(RepositoryRoot(), sourceFile));
        foreach (var block in blocks)
            Assert.True(ContainsIndented(source, block.TrimEnd('\n').Split('\n')),
                $"this code block of {documentName} is not in {Path.GetFileName(sourceFile)}:\n{block}");
    }

    /// <summary>True when <paramref name="block"/> occurs as consecutive lines of <paramref name="source"/>, all indented alike.</summary>
    public static bool ContainsIndented(string[] source, string[] block)
    {
        for (var start = 0; start + block.Length <= source.Length; start++)
        {
            var first = source[start];
            if (!first.EndsWith(block[0], StringComparison.Ordinal)) continue;
            var indent = first[..^block[0].Length];
            if (indent.Trim().Length != 0) continue;
            var all = true;
            for (var i = 1; i < block.Length && all; i++)
                all = block[i].Length == 0 ? source[start + i].Trim().Length == 0 : source[start + i] == indent + block[i];
            if (all) return true;
        }
        return false;
    }
}
