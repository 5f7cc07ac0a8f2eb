using System.Text;
using BenchmarkDotNet.Attributes;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Benchmarks;

/// <summary>
/// The admin text protocol: a line framed by <see cref="FrameDecoder"/> (the line is handed over as a string)
/// and <see cref="AdminCommand.Parse"/>, whose result holds the words as strings. Allocated is per line.
/// </summary>
[MemoryDiagnoser]
public class AdminBenchmarks
{
    private readonly FrameDecoder _decoder = new();
    private readonly byte[] _statusLine = Encoding.ASCII.GetBytes("status\r\n");

    [Benchmark(Description = "decode text line \"status\\r\\n\"")]
    public int DecodeStatusLine()
    {
        ReadOnlySpan<byte> input = _statusLine;
        if (!_decoder.TryDecode(ref input, out var frame)) throw new InvalidOperationException("no frame");
        return frame.Line!.Length;
    }

    [Benchmark(Description = "parse \"status\"")]
    public AdminCommand ParseStatus() => AdminCommand.Parse("status");

    [Benchmark(Description = "parse \"show unique jobs\"")]
    public AdminCommand ParseShowUniqueJobs() => AdminCommand.Parse("show unique jobs");

    [Benchmark(Description = "parse \"maxqueue gb.bench 10 10 10\"")]
    public AdminCommand ParseMaxQueue() => AdminCommand.Parse("maxqueue gb.bench 10 10 10");

    [Benchmark(Description = "parse \"cancel job H:host:42\"")]
    public AdminCommand ParseCancelJob() => AdminCommand.Parse("cancel job H:host:42");
}
