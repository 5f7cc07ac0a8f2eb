using System.Buffers;
using System.Globalization;
using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.InProcess;

/// <summary>
/// A job handed to an in-process worker. Progress goes straight to the job's actor, which relays it to every client
/// waiting on the job, TCP or in-process.
/// </summary>
public sealed class InProcessJob
{
    private readonly IActorRef _runner;

    internal InProcessJob(string handle, string function, string unique, ReadOnlyMemory<byte> payload, IActorRef runner)
    {
        Handle = handle;
        Function = function;
        Unique = unique;
        Payload = payload;
        _runner = runner;
    }

    public string Handle { get; }
    public string Function { get; }
    public string Unique { get; }
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>WORK_STATUS: the job is <paramref name="numerator"/>/<paramref name="denominator"/> done.</summary>
    public void SendStatus(long numerator, long denominator) =>
        _runner.Tell(new WorkEvent(PacketType.WorkStatus, Handle, ReadOnlySequence<byte>.Empty,
            numerator.ToString(CultureInfo.InvariantCulture), denominator.ToString(CultureInfo.InvariantCulture)));

    /// <summary>WORK_DATA: a partial result for the waiting clients.</summary>
    public void SendData(ReadOnlyMemory<byte> data) =>
        _runner.Tell(new WorkEvent(PacketType.WorkData, Handle, new ReadOnlySequence<byte>(data)));

    /// <summary>WORK_WARNING.</summary>
    public void SendWarning(ReadOnlyMemory<byte> data) =>
        _runner.Tell(new WorkEvent(PacketType.WorkWarning, Handle, new ReadOnlySequence<byte>(data)));

    internal IActorRef Runner => _runner;
}
