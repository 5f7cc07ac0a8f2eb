using System.Buffers;
using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Gearman.Actors.Hosting;
using Gearman.Actors.Queues;
using Gearman.Actors.Serialization;

namespace Gearman.Actors.Benchmarks;

/// <summary>
/// What counting cross-node traffic adds to a message: the serializer's write and read of a Submit (which count it),
/// against the counting alone. The second divided by the first is the counter's share of the serializer's work, and
/// the serializer is itself a small part of a remote message's cost.
/// </summary>
[MemoryDiagnoser]
public class RemoteTrafficBenchmarks
{
    private ActorSystem _system = null!;
    private BrokerSerializer _serializer = null!;
    private RemoteTraffic _traffic = null!;
    private Submit _submit = null!;
    private byte[] _bytes = Array.Empty<byte>();

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("gearman", ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.port = 0")
            .WithFallback(GearmanBroker.DefaultConfig));
        _serializer = (BrokerSerializer)_system.Serialization.FindSerializerForType(typeof(Submit));
        _traffic = _serializer.Traffic;
        var client = _system.ActorOf(Props.Empty, "client");
        _submit = new Submit("gb.roundtrip.12345.67890123", "", new ReadOnlySequence<byte>(Wire.Payload64), Priority.Normal,
            false, 0, "", client, 1);
        _bytes = _serializer.ToBinary(_submit);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true, Description = "Submit: ToBinary + FromBinary (each counts it)")]
    public object SubmitRoundTrip() => _serializer.FromBinary(_serializer.ToBinary(_submit), "S");

    [Benchmark(Description = "the counting alone: Sent + Received")]
    public void CountOnly()
    {
        _traffic.Sent("S", _bytes.Length);
        _traffic.Received("S", _bytes.Length);
    }
}
