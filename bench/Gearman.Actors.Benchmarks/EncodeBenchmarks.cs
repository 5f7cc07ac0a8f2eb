using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Benchmarks;

/// <summary>
/// <see cref="PacketWriter"/> writing the server's hot replies into a reused buffer, the way a connection encodes
/// them: text arguments through the writer, and the payload (a slice of the body the job arrived in) appended after
/// a prefix. Allocated is per packet.
/// </summary>
[MemoryDiagnoser]
public class EncodeBenchmarks
{
    private const int Batch = 100;

    private readonly ArrayBufferWriter<byte> _writer = new(64 * 1024);
    private readonly ReadOnlySequence<byte> _payload = new(Wire.Payload64);

    [Benchmark(Description = "encode JOB_CREATED")]
    public int JobCreated()
    {
        _writer.ResetWrittenCount();
        PacketWriter.Write(_writer, PacketType.JobCreated, Wire.Handle);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "encode JOB_ASSIGN_UNIQ (64 B payload)")]
    public int JobAssignUniq()
    {
        _writer.ResetWrittenCount();
        PacketWriter.WritePrefix(_writer, PacketType.JobAssignUniq, _payload.Length, Wire.Handle, Wire.Function, Wire.Unique);
        foreach (var segment in _payload) _writer.Write(segment.Span);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "encode WORK_COMPLETE (64 B payload)")]
    public int WorkComplete()
    {
        _writer.ResetWrittenCount();
        PacketWriter.Write(_writer, PacketType.WorkComplete, _payload, Wire.Handle);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "encode NOOP")]
    public int Noop()
    {
        _writer.ResetWrittenCount();
        PacketWriter.Write(_writer, PacketType.Noop);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "encode 100 mixed replies, per packet", OperationsPerInvoke = Batch)]
    public int Mixed100()
    {
        _writer.ResetWrittenCount();
        for (var i = 0; i < Batch / 4; i++)
        {
            PacketWriter.Write(_writer, PacketType.JobCreated, Wire.Handle);
            PacketWriter.Write(_writer, PacketType.Noop);
            PacketWriter.WritePrefix(_writer, PacketType.JobAssignUniq, _payload.Length, Wire.Handle, Wire.Function, Wire.Unique);
            foreach (var segment in _payload) _writer.Write(segment.Span);
            PacketWriter.Write(_writer, PacketType.WorkComplete, _payload, Wire.Handle);
        }
        return _writer.WrittenCount;
    }
}
