using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Benchmarks;

/// <summary>
/// The function queue's hot operations on its waiting jobs: a submit enqueues into its priority lane, a grab takes
/// the best job. The jobs are made once, since the queue keeps each submitted job's record anyway; what is measured
/// is the lanes' own cost per job (Allocated should be 0 once the lanes have grown).
/// </summary>
[MemoryDiagnoser]
public class QueueBenchmarks
{
    private const int Jobs = 1000;

    private readonly JobLanes _lanes = new();
    private QueuedJob[] _jobs = Array.Empty<QueuedJob>();

    [GlobalSetup]
    public void Setup()
    {
        var data = new ReadOnlySequence<byte>(Wire.Payload64);
        _jobs = Enumerable.Range(0, Jobs)
            .Select(i => new QueuedJob("H:bench:" + i, "gb.bench", "", null, data, (Priority)(i % 3), true, 0, ""))
            .ToArray();
        Cycle(); // the lanes grow to their working size once
    }

    [Benchmark(Description = "queue: enqueue then take, per job (mixed priorities)", OperationsPerInvoke = Jobs)]
    public int EnqueueThenTake() => Cycle();

    private int Cycle()
    {
        foreach (var job in _jobs) _lanes.Enqueue(job);
        var taken = 0;
        while (_lanes.TryTake(Priority.Low, out _)) taken++;
        return taken;
    }
}
