namespace Gearman.Actors.Queues;

/// <summary>Job priority; lower value is served first, and the value doubles as the lane index.</summary>
public enum Priority : byte
{
    High = 0,
    Normal = 1,
    Low = 2,
}
