using BenchmarkDotNet.Attributes;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Benchmarks;

/// <summary>
/// <see cref="FrameDecoder.TryDecode"/> followed by <see cref="PacketArgs.TrySplit"/>, which is what a connection does
/// with every packet it reads. Allocated is per packet. The packet body is one exact-size array that the broker keeps
/// (the job's payload is a slice of it), so a packet with a body allocates at least that array: body + 24 bytes of
/// array header, rounded up to 8 (SUBMIT_JOB_BG 91 → 120 B, JOB_ASSIGN_UNIQ 129 → 160 B, WORK_COMPLETE 85 → 112 B,
/// ECHO_REQ 64 → 88 B; GRAB_JOB_UNIQ has no body).
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int Batch = 100;

    private readonly FrameDecoder _decoder = new();
    private byte[] _batch = [];
    private int _splitAt;

    [GlobalSetup]
    public void Setup()
    {
        // A pipelined read: the packets of a client and a worker in a roundtrip, repeated.
        var cycle = new[] { Wire.SubmitJobBg, Wire.GrabJobUniq, Wire.JobAssignUniq, Wire.WorkComplete, Wire.EchoReq };
        _batch = Wire.Concat(Enumerable.Range(0, Batch).Select(i => cycle[i % cycle.Length]));
        _splitAt = Wire.SubmitJobBg.Length / 2;   // in the middle of the payload
    }

    private int DecodeOne(byte[] packet)
    {
        ReadOnlySpan<byte> input = packet;
        if (!_decoder.TryDecode(ref input, out var frame)) throw new InvalidOperationException("no frame");
        return Consume(frame);
    }

    private static int Consume(in Frame frame)
    {
        var count = PacketTypes.RequestArgCount(frame.Type);
        if (count < 0) count = frame.Type == PacketType.JobAssignUniq ? 4 : 1;
        if (!PacketArgs.TrySplit(frame.Body, count, out var args)) throw new InvalidOperationException("bad packet");
        return args.Count + (int)frame.Body.Length;
    }

    [Benchmark(Description = "decode SUBMIT_JOB_BG (64 B payload)")]
    public int SubmitJobBg() => DecodeOne(Wire.SubmitJobBg);

    [Benchmark(Description = "decode GRAB_JOB_UNIQ")]
    public int GrabJobUniq() => DecodeOne(Wire.GrabJobUniq);

    [Benchmark(Description = "decode JOB_ASSIGN_UNIQ (64 B payload)")]
    public int JobAssignUniq() => DecodeOne(Wire.JobAssignUniq);

    [Benchmark(Description = "decode WORK_COMPLETE (64 B payload)")]
    public int WorkComplete() => DecodeOne(Wire.WorkComplete);

    [Benchmark(Description = "decode ECHO_REQ (64 B payload)")]
    public int EchoReq() => DecodeOne(Wire.EchoReq);

    [Benchmark(Description = "decode 100 pipelined packets, per packet", OperationsPerInvoke = Batch)]
    public int Pipelined100()
    {
        ReadOnlySpan<byte> input = _batch;
        var total = 0;
        while (_decoder.TryDecode(ref input, out var frame)) total += Consume(frame);
        return total;
    }

    [Benchmark(Description = "decode SUBMIT_JOB_BG split across two reads")]
    public int SplitAcrossTwoReads()
    {
        ReadOnlySpan<byte> first = Wire.SubmitJobBg.AsSpan(0, _splitAt);
        if (_decoder.TryDecode(ref first, out _)) throw new InvalidOperationException("frame from half a packet");
        ReadOnlySpan<byte> second = Wire.SubmitJobBg.AsSpan(_splitAt);
        if (!_decoder.TryDecode(ref second, out var frame)) throw new InvalidOperationException("no frame");
        return Consume(frame);
    }
}
