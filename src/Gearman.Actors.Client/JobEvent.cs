using System.Text;

namespace Gearman.Actors.Client;

/// <summary>What a worker reported about a running foreground job.</summary>
public enum JobEventKind : byte
{
    /// <summary>WORK_DATA: a piece of partial output.</summary>
    Data,
    /// <summary>WORK_WARNING: a warning; the job goes on.</summary>
    Warning,
    /// <summary>WORK_STATUS: progress as a fraction.</summary>
    Status,
}

/// <summary>
/// One WORK_DATA, WORK_WARNING or WORK_STATUS packet for a foreground job, in the order the worker sent them.
/// <see cref="Data"/> is set for data and warnings, <see cref="Numerator"/>/<see cref="Denominator"/> for status.
/// </summary>
public readonly struct JobEvent
{
    private JobEvent(JobEventKind kind, ReadOnlyMemory<byte> data, long numerator, long denominator)
    {
        Kind = kind;
        Data = data;
        Numerator = numerator;
        Denominator = denominator;
    }

    public JobEventKind Kind { get; }
    public ReadOnlyMemory<byte> Data { get; }
    public long Numerator { get; }
    public long Denominator { get; }

    public static JobEvent ForData(ReadOnlyMemory<byte> data) => new(JobEventKind.Data, data, 0, 0);
    public static JobEvent ForWarning(ReadOnlyMemory<byte> data) => new(JobEventKind.Warning, data, 0, 0);
    public static JobEvent ForStatus(long numerator, long denominator) => new(JobEventKind.Status, default, numerator, denominator);

    public override string ToString() => Kind == JobEventKind.Status
        ? $"Status {Numerator}/{Denominator}"
        : $"{Kind} \"{Encoding.UTF8.GetString(Data.Span)}\"";
}
